-- h5swmr lock service (admin): declare a just-started, empty Redis server fresh.
-- KEYS: 1 fresh-server marker ("<prefix>fresh-server").
-- ARGV: none.
-- Returns 1 after setting KEYS[1] to this server's run_id when the database holds no key at all; 0 otherwise
-- (nothing changed).
-- A fresh server never had holders, so acquire.lua skips the post-(re)start hold-back on it; a restart changes the
-- run_id (and, without persistence, drops the key), which re-arms the hold-back.
if redis.call('DBSIZE') ~= 0 then return 0 end
redis.call('SET', KEYS[1], string.match(redis.call('INFO', 'server'), 'run_id:(%x+)'))
return 1
