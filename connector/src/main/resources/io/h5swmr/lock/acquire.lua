-- h5swmr lock service: acquire a shared (S) or exclusive (X) lease, or queue for one.
-- KEYS: 1 readers, 2 writer, 3 waiters, 4 writer-waiters, 5 waiter-expiry, 6 info, 7 token, 8 seq (see common.lua),
--       9 epoch (run_id of the server incarnation that last cleared this lock of the hold-back),
--       10 fresh-server marker (run_id of a server declared fresh by declare_fresh.lua),
--       11 incarnation marker (run_id of the last server incarnation that cleared any lock of the hold-back).
-- ARGV: 1 mode 'S'|'X', 2 lease id, 3 lease TTL ms, 4 waiter TTL ms, 5 "host|pid", 6 resource name,
--       7 event channel, 8 message published on it (the lock's hash tag), 9 register as a waiter '1'|'0',
--       10 durable '1'|'0': the caller checked that this server runs appendonly yes + appendfsync always.
-- Returns {1, token} when granted (token '0' for S; a string of digits for X);
--         {0, ticket, held_back_ms, cause} otherwise: ticket '0' when not registered; held_back_ms > 0 while grants
--         are held back after a Redis (re)start, cause then 'empty' (no lock state at all: a new server, or a
--         restart that lost everything) or 'restored' (state reloaded from disk, but the server is not known to
--         fsync every write), else cause ''.
-- Hold-back: nothing is granted while the server's uptime is below TTL + 1 s and it cannot be shown that no
-- lease was lost with an earlier incarnation; shown by: KEYS[9] or KEYS[11] equal to this run_id (already
-- cleared), KEYS[10] equal to it (declared fresh), or KEYS[11] from an earlier incarnation surviving and
-- ARGV[10] = '1' (reloaded from an append-only file that was fsynced on every write).
-- Granting is idempotent for the same lease id (a retry after a lost reply renews instead).
--!include common.lua
local now, micros = clock()
local changed = purge(now)
local mode, id, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
if mode == 'S' and redis.call('ZSCORE', KEYS[1], id) then
  redis.call('ZADD', KEYS[1], now + ttl, id); touch()
  if changed then redis.call('PUBLISH', ARGV[7], ARGV[8]) end
  return {1, '0'}
end
if mode == 'X' and redis.call('HGET', KEYS[2], 'id') == id then
  redis.call('HSET', KEYS[2], 'exp', string.format('%.0f', now + ttl)); touch()
  if changed then redis.call('PUBLISH', ARGV[7], ARGV[8]) end
  return {1, redis.call('HGET', KEYS[2], 'token')}
end
local mine = redis.call('ZSCORE', KEYS[3], id)
local can
-- after a (re)start that may have lost leases, hold grants back for one TTL so earlier holders notice first
-- (uptime_in_seconds is a difference of whole seconds: it can overstate the real uptime by up to 1 s)
local held_back, cause = 0, ''
local server = redis.call('INFO', 'server')
local run = string.match(server, 'run_id:(%x+)')
if redis.call('GET', KEYS[9]) ~= run then
  local up = tonumber(string.match(server, 'uptime_in_seconds:(%d+)')) * 1000
  local marker = redis.call('GET', KEYS[11])
  if marker == run or up >= ttl + 1000 or redis.call('GET', KEYS[10]) == run or (marker and ARGV[10] == '1') then
    redis.call('SET', KEYS[9], run, 'PX', 2592000000)
    redis.call('SET', KEYS[11], run, 'PX', 2592000000)
  else
    held_back = ttl + 1000 - up
    if marker then cause = 'restored' else cause = 'empty' end
  end
end
if held_back > 0 then can = false
elseif mode == 'S' then
  if redis.call('EXISTS', KEYS[2]) == 1 then can = false else
    local fw = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
    can = (#fw == 0) or (mine and tonumber(fw[2]) > tonumber(mine))
  end
else
  if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('ZCARD', KEYS[1]) > 0 then can = false else
    local fq = redis.call('ZRANGE', KEYS[3], 0, 0)
    can = (#fq == 0) or (fq[1] == id)
  end
end
local info = mode .. '|' .. ARGV[5] .. '|' .. string.format('%.0f', now)
if can then
  if mine then redis.call('ZREM', KEYS[3], id); redis.call('ZREM', KEYS[4], id); redis.call('ZREM', KEYS[5], id) end
  local token = '0'
  if mode == 'S' then
    redis.call('ZADD', KEYS[1], now + ttl, id)
  else
    local last = tonumber(redis.call('GET', KEYS[7]) or '0')
    token = string.format('%.0f', math.max(last + 1, micros))
    redis.call('SET', KEYS[7], token, 'PX', 2592000000)
    redis.call('HSET', KEYS[2], 'id', id, 'exp', string.format('%.0f', now + ttl), 'token', token)
  end
  redis.call('HSET', KEYS[6], 'resource', ARGV[6], id, info)
  touch()
  if changed then redis.call('PUBLISH', ARGV[7], ARGV[8]) end
  return {1, token}
end
if ARGV[9] == '1' then
  if not mine then
    mine = redis.call('INCR', KEYS[8])
    redis.call('ZADD', KEYS[3], mine, id)
    if mode == 'X' then redis.call('ZADD', KEYS[4], mine, id) end
    redis.call('HSET', KEYS[6], 'resource', ARGV[6], id, info)
  end
  redis.call('ZADD', KEYS[5], now + tonumber(ARGV[4]), id)
  touch()
end
if changed then redis.call('PUBLISH', ARGV[7], ARGV[8]) end
return {0, tostring(mine or 0), held_back, cause}
