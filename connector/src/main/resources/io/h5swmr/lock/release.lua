-- h5swmr lock service: release a lease, or withdraw a waiter, by id (also the admin's force-release of one id).
-- KEYS: 1..8 as in common.lua (the lock's first eight keys).
-- ARGV: 1 lease or waiter id, 2 event channel, 3 message (the lock's hash tag).
-- Returns 1 if a held lease was removed, 0 otherwise (a withdrawn waiter also returns 0).
--!include common.lua
local now = clock()
local changed = purge(now)
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], 'id') == ARGV[1] then redis.call('DEL', KEYS[2]); removed = 1 end
local waiter = redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1]); redis.call('ZREM', KEYS[5], ARGV[1]); redis.call('HDEL', KEYS[6], ARGV[1])
touch()
if removed == 1 or waiter == 1 or changed then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return removed
