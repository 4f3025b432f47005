-- h5swmr lock service: helpers shared by acquire.lua, renew.lua and release.lua.
-- Not a script of its own: a loader replaces a script's include line (the line "--!include" followed by one space
-- and this file's name) with this file's text, byte for byte (see docs/lock-service.md, "Loading the scripts").
-- KEYS (of the including script): 1 readers ZSET (lease id -> expiry ms), 2 writer HASH (id, exp, token),
-- 3 waiters ZSET (id -> ticket), 4 writer-waiters ZSET (id -> ticket), 5 waiter-expiry ZSET (id -> expiry ms),
-- 6 info HASH (resource, id -> "mode|host|pid|since"), 7 last token, 8 ticket sequence.

-- Redis server time: milliseconds and microseconds since the epoch.
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), tonumber(t[1]) * 1000000 + tonumber(t[2])
end

-- Drops expired readers, an expired writer and expired waiters; returns true if anything was dropped.
local function purge(now)
  local changed = false
  local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
  if #dead > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
    for i = 1, #dead do redis.call('HDEL', KEYS[6], dead[i]) end
    changed = true
  end
  local w = redis.call('HMGET', KEYS[2], 'id', 'exp')
  if w[2] and tonumber(w[2]) <= now then
    redis.call('DEL', KEYS[2])
    if w[1] then redis.call('HDEL', KEYS[6], w[1]) end
    changed = true
  end
  local gone = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now)
  if #gone > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
    for i = 1, #gone do
      redis.call('ZREM', KEYS[3], gone[i]); redis.call('ZREM', KEYS[4], gone[i]); redis.call('HDEL', KEYS[6], gone[i])
    end
    changed = true
  end
  return changed
end

-- Every key lives exactly as long as its longest-lived entry (+1 s); the token and epoch outlive them (30 days).
local function touch()
  local last = 0
  local r = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if #r > 0 then last = tonumber(r[2]); redis.call('PEXPIREAT', KEYS[1], last + 1000) end
  local w = redis.call('HGET', KEYS[2], 'exp')
  if w then w = tonumber(w); redis.call('PEXPIREAT', KEYS[2], w + 1000); last = math.max(last, w) end
  local q = redis.call('ZRANGE', KEYS[5], -1, -1, 'WITHSCORES')
  if #q > 0 then
    local e = tonumber(q[2]); last = math.max(last, e)
    for i = 3, 5 do redis.call('PEXPIREAT', KEYS[i], e + 1000) end
    redis.call('PEXPIREAT', KEYS[8], e + 1000)
  end
  if last > 0 then redis.call('PEXPIREAT', KEYS[6], last + 1000) else redis.call('DEL', KEYS[6]) end
end
