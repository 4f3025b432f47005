-- h5swmr lock service (admin): drop every holder and waiter of one lock; the fencing token (KEYS[7]) is kept.
-- KEYS: 1..8 as in common.lua (the lock's first eight keys).
-- ARGV: 1 event channel, 2 message (the lock's hash tag).
-- Returns the number of holders and waiters dropped.
local n = redis.call('ZCARD', KEYS[1]) + redis.call('EXISTS', KEYS[2]) + redis.call('ZCARD', KEYS[3])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return n
