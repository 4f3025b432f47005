-- h5swmr lock service: extend a held lease by one TTL from now (Redis time).
-- KEYS: 1..8 as in common.lua (the lock's first eight keys).
-- ARGV: 1 mode 'S'|'X', 2 lease id, 3 lease TTL ms, 4 event channel, 5 message (the lock's hash tag).
-- Returns 1 if renewed, 0 if the lease is gone (expired, force-released, or lost with Redis state): the holder must
-- then treat it as lost.
--!include common.lua
local now = clock()
local changed = purge(now)
local ok = 0
if ARGV[1] == 'S' then
  if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2]); ok = 1
  end
elseif redis.call('HGET', KEYS[2], 'id') == ARGV[2] then
  redis.call('HSET', KEYS[2], 'exp', string.format('%.0f', now + tonumber(ARGV[3]))); ok = 1
end
if ok == 1 or changed then touch() end
if changed then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return ok
