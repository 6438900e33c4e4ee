// The one Lua script behind redisDedupeStore: each store call is one EVALSHA of it, atomic on the Redis side, so
// two replicas that see one envelope at once never both claim it. A key holds 'c:<ms>' (claimed at <ms>, Redis
// server time, not yet acked) or 'a' (acked); both live `ttl` ms.
//   KEYS[1] the key; ARGV[1] the op; ARGV[2] ttl ms; ARGV[3] stale ms (claims only).
//   s (seen):   1 if acked, or claimed less than `stale` ms ago; else claims it ('c:<now>') and answers 0. A claim
//               that old was not acked within Slack's ack deadline: its replica died or its handler hung, and
//               Slack is redelivering, so the redelivery takes it over (at least once).
//   a (acked):  marks it acked, for the full ttl.
//   f (forget): deletes a claim; an acked key stays (another replica may have acked it since).
export const DEDUPE_SCRIPT = `local v = redis.call('GET', KEYS[1])
local op = ARGV[1]
if op == 's' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if v then
    if v == 'a' then return 1 end
    local at = tonumber(string.sub(v, 3))
    if at and now - at < tonumber(ARGV[3]) then return 1 end
  end
  redis.call('SET', KEYS[1], string.format('c:%d', now), 'PX', ARGV[2])
  return 0
elseif op == 'a' then
  redis.call('SET', KEYS[1], 'a', 'PX', ARGV[2])
elseif op == 'f' and v and v ~= 'a' then
  redis.call('DEL', KEYS[1])
end
return 1
`;

/** SHA-1 of DEDUPE_SCRIPT (test/redis-dedupe.test.ts checks it), so EVALSHA needs no hashing at run time. */
export const DEDUPE_SCRIPT_SHA1 = '5504da830abc8d8e48438b2bb4360f2b05d265c7';
