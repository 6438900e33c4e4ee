// The one Lua script behind redisFleet's leases: every call is one EVALSHA, atomic on the Redis side, so two
// replicas never take the same free lease. Four keys per app: M, a sorted set (replica id -> lease expiry, Redis
// server time in ms); H, a hash (id -> leases held); W, a hash (id -> connections wanted); G, a hold on growth.
//   ARGV: op, id, wanted, in use (sockets the replica holds or is opening), more (0/1: it waits to open one more
//         socket: its first, or a make-before-break replacement), grow (0/1), lease ms, budget, had (0/1: it held
//         leases before this call).
//   Every call first drops members whose lease expired (a dead replica's leases free here).
//   b (beat):    renews the member; its share is the fair share of the budget (one lease kept spare while there
//                are fewer replicas than the budget), water-filled by `wanted`, remainder by id; it then holds
//                max(in use, min(max(in use + more, share), free)), free = budget - what the others hold. With
//                grow 0 it asks for no more than it uses. A member that held leases but has no entry (`had`: Redis
//                lost it, or Redis hung, or the member was cut off, longer than a lease while its sockets stayed
//                open) sets G for a lease: while G exists nobody grows, so every live replica re-registers what it
//                holds (within one lease) before anyone grows into room that only looks free. Returns
//                { held, share, replicas }.
//   r (release): holds `in use` (sockets still closing) and renews, or leaves the fleet at 0. Returns { 0, 0, 0 }.
export const FLEET_SCRIPT = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local M, H, W, G = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, inuse, ttl = ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[7])
for _, d in ipairs(redis.call('ZRANGEBYSCORE', M, '-inf', now)) do
  redis.call('HDEL', H, d)
  redis.call('HDEL', W, d)
  redis.call('ZREM', M, d)
end
if ARGV[1] == 'r' then
  if inuse > 0 then
    redis.call('ZADD', M, now + ttl, id)
    redis.call('HSET', H, id, inuse)
  else
    redis.call('ZREM', M, id)
    redis.call('HDEL', H, id)
    redis.call('HDEL', W, id)
  end
  return {0, 0, 0}
end
if ARGV[9] == '1' and not redis.call('ZSCORE', M, id) then redis.call('SET', G, 1, 'PX', ttl) end
redis.call('ZADD', M, now + ttl, id)
redis.call('HSET', W, id, ARGV[3])
redis.call('PEXPIRE', M, ttl * 10)
redis.call('PEXPIRE', W, ttl * 10)
local budget = tonumber(ARGV[8])
local ids = redis.call('ZRANGE', M, 0, -1)
local k = #ids
local list = {}
for i, m in ipairs(ids) do list[i] = { m, tonumber(redis.call('HGET', W, m)) or 1 } end
table.sort(list, function(a, b) if a[2] ~= b[2] then return a[2] < b[2] end return a[1] < b[1] end)
local rem = budget
if k < budget then rem = budget - 1 end
local share = 0
for i, m in ipairs(list) do
  local s = math.min(m[2], math.floor(rem / (k - i + 1)))
  rem = rem - s
  if m[1] == id then share = s end
end
local others = 0
local all = redis.call('HGETALL', H)
for i = 1, #all, 2 do
  if all[i] ~= id then others = others + tonumber(all[i + 1]) end
end
local want = inuse
if ARGV[6] == '1' and redis.call('EXISTS', G) == 0 then want = math.max(inuse + tonumber(ARGV[5]), share) end
local held = math.max(inuse, math.min(want, budget - others))
redis.call('HSET', H, id, held)
redis.call('PEXPIRE', H, ttl * 10)
return {held, share, k}
`;

/** SHA-1 of FLEET_SCRIPT (test/redis-fleet.test.ts checks it), so EVALSHA needs no hashing at run time. */
export const FLEET_SCRIPT_SHA1 = '91ee72a1ce6135b93a6fcb450b875e6d633a4e4f';
