-- h5swmr lock service (admin): declare a just-started Redis server fresh, i.e. no lease granted by an earlier
-- incarnation can still be held, so acquire.lua need not hold grants back on it.
-- KEYS: 1 fresh-server marker ("<prefix>fresh-server").
-- ARGV: 1 the key prefix with the glob characters * ? [ ] \ escaped by a backslash (optional: without it, only an
--       empty database can be declared fresh).
-- Returns 1 after setting KEYS[1] to this server's run_id, when the database holds no key at all, or only the
-- waiter bookkeeping (:waiters, :wwaiters, :wexp, :info, :seq) that held-back acquisitions leave: no lease, token
-- or epoch of any lock, so nothing was ever granted on this data. Returns 0 otherwise (nothing changed).
-- A restart changes the run_id (and, without persistence, drops the key), which re-arms the hold-back.
local n = redis.call('DBSIZE')
if n > 0 then
  if ARGV[1] == nil or n > 10000 then return 0 end
  local waiting = 0
  for _, suffix in ipairs({':waiters', ':wwaiters', ':wexp', ':info', ':seq'}) do
    waiting = waiting + #redis.call('KEYS', ARGV[1] .. '{*}' .. suffix)
  end
  if waiting ~= n then return 0 end
end
redis.call('SET', KEYS[1], string.match(redis.call('INFO', 'server'), 'run_id:(%x+)'))
return 1
