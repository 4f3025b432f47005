-- h5swmr lock service: read-only snapshot of one lock, for the admin listing and timeout messages.
-- KEYS: 1..8 as in common.lua.
-- ARGV: none.
-- Returns {now_ms, readers, writer, waiters, waiter_expiries, info}: now_ms a string; readers, waiters and
-- waiter_expiries flat [member, score, ...] lists (ZRANGE WITHSCORES); writer and info flat [field, value, ...].
-- Entries may be expired: the caller compares them with now_ms.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {string.format('%.0f', now), redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES'),
  redis.call('HGETALL', KEYS[2]), redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES'),
  redis.call('ZRANGE', KEYS[5], 0, -1, 'WITHSCORES'), redis.call('HGETALL', KEYS[6])}
