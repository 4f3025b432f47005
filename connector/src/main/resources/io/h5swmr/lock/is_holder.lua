-- h5swmr lock service: fencing check, read-only.
-- KEYS: 1..8 as in common.lua (only KEYS[2], the writer HASH, is read).
-- ARGV: 1 fencing token (decimal digits).
-- Returns 1 if the exclusive lease with that token is held and unexpired (Redis time), else 0.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local w = redis.call('HMGET', KEYS[2], 'token', 'exp')
if w[1] == ARGV[1] and tonumber(w[2]) > now then return 1 end
return 0
