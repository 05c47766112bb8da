/**
 * The outbox's Redis scripts. Every change to the outbox is one of these, so each is atomic on the state Redis and
 * two deliverers (or replicas) never see a half-made claim. Times come from the server's `TIME`, not from the
 * caller, so replicas with skewed clocks agree on leases and budgets. Key layout: see `outbox.ts`.
 *
 * Keys are derived from `ARGV[1]` (the outbox prefix) inside the scripts; on Redis Cluster that needs a hash-tagged
 * KEY_PREFIX (e.g. `{rib}`) so they all share one slot.
 */

const PRELUDE = `
local P = ARGV[1]
local DUE = P .. ':due'
local BLOCKED = 9000000000000000
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fx_key(id) return P .. ':fx:' .. id end
local function kind_of(id) return string.match(id, '^(%a+):') end
local function wake()
  redis.call('LPUSH', P .. ':wake', '1')
  redis.call('LTRIM', P .. ':wake', 0, 15)
end
local function hash(k)
  local raw = redis.call('HGETALL', k)
  local h = {}
  for i = 1, #raw, 2 do h[raw[i]] = raw[i + 1] end
  return h
end
local function unblock(member, now, add_if_missing)
  local s = redis.call('ZSCORE', DUE, member)
  if (s and tonumber(s) >= BLOCKED) or (not s and add_if_missing) then redis.call('ZADD', DUE, now, member) end
end
local function advance_lane(member, id, now)
  local lane = P .. ':' .. member
  if redis.call('LINDEX', lane, 0) == id then redis.call('LPOP', lane) end
  if redis.call('LLEN', lane) > 0 then redis.call('ZADD', DUE, now, member) else redis.call('ZREM', DUE, member) end
end
local function forget(id)
  redis.call('DEL', fx_key(id))
  redis.call('ZREM', P .. ':owed:' .. kind_of(id), id)
end
-- A coalesced effect (card, redraw) is done only if nobody owed it again since it was claimed; if somebody did,
-- it is due again after \`settle\` ms, so a burst of changes is shown by one more call rather than one each.
local function finish_coalesced(member, id, gen, now, settle)
  local k = fx_key(id)
  if tonumber(redis.call('HGET', k, 'gen')) == gen then
    forget(id)
    redis.call('ZREM', DUE, member)
  else
    redis.call('HDEL', k, 'lease', 'leaseUntil', 'uncertain', 'failures')
    redis.call('HSET', k, 'owedAt', now)
    redis.call('ZADD', P .. ':owed:' .. kind_of(id), now, id)
    redis.call('ZADD', DUE, now + settle, member)
  end
end
local function holds(k, token) return redis.call('HGET', k, 'lease') == token end
`;

/** ARGV: prefix, kind, key (incident id for a card), lane, incident, channel, message JSON. 1 owed, 0 already, -1 nothing to redraw. */
export const OWE = `${PRELUDE}
local now = now_ms()
local kind, key, lane, incident, channel, message = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local function owe_card(inc, bump)
  local id = 'card:' .. inc
  local k = fx_key(id)
  if redis.call('EXISTS', k) == 1 then
    if bump then redis.call('HINCRBY', k, 'gen', 1) end
    return 0
  end
  redis.call('HSET', k, 'kind', 'card', 'key', id, 'incident', inc, 'gen', 1, 'owedAt', now)
  redis.call('ZADD', DUE, now, id)
  redis.call('ZADD', P .. ':owed:card', now, id)
  return 1
end
local result = 0
if kind == 'card' then
  result = owe_card(key, true)
elseif kind == 'post' then
  local id = 'post:' .. key
  if redis.call('EXISTS', P .. ':ts:' .. key) == 0 and redis.call('EXISTS', fx_key(id)) == 0 then
    local f = { 'kind', 'post', 'key', key, 'lane', lane, 'gen', 1, 'owedAt', now }
    if incident ~= '' then f[#f + 1] = 'incident'; f[#f + 1] = incident end
    if channel ~= '' then f[#f + 1] = 'channel'; f[#f + 1] = channel end
    if message ~= '' then f[#f + 1] = 'message'; f[#f + 1] = message end
    redis.call('HSET', fx_key(id), unpack(f))
    redis.call('ZADD', P .. ':owed:post', now, id)
    local ready = true
    if incident ~= '' and redis.call('EXISTS', P .. ':ts:card:' .. incident) == 0 then
      -- A reply needs its thread: make sure the card is owed too, whoever forgot it.
      ready = false
      owe_card(incident, false)
    end
    if redis.call('RPUSH', P .. ':lane:' .. lane, id) == 1 then
      redis.call('ZADD', DUE, ready and now or BLOCKED, 'lane:' .. lane)
    end
    result = 1
  end
elseif kind == 'redraw' then
  local id = 'redraw:' .. key
  local k = fx_key(id)
  if redis.call('EXISTS', k) == 1 then
    redis.call('HINCRBY', k, 'gen', 1)
  else
    local sent = redis.call('EXISTS', P .. ':ts:' .. key) == 1
    if sent or redis.call('EXISTS', fx_key('post:' .. key)) == 1 then
      redis.call('HSET', k, 'kind', 'redraw', 'key', key, 'gen', 1, 'owedAt', now)
      redis.call('ZADD', DUE, sent and now or BLOCKED, id)
      redis.call('ZADD', P .. ':owed:redraw', now, id)
      result = 1
    else
      result = -1
    end
  end
end
if result == 1 then wake() end
return result
`;

/**
 * ARGV: prefix, leaseMs, token, max, scan. Leases up to `max` due effects: the member's score moves to the lease's
 * end, so a deliverer that dies simply lets it fall due again. A lease found expired means the last attempt's
 * outcome is unknown (`uncertain`). Returns [member, id, fields JSON, own sent JSON, dependency sent JSON].
 */
export const CLAIM = `${PRELUDE}
local now = now_ms()
local lease_ms, token, max, scan = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', DUE, '-inf', now, 'LIMIT', 0, scan)) do
  if #out >= max then break end
  local id = member
  local lane = false
  if kind_of(member) == 'lane' then
    lane = P .. ':' .. member
    id = redis.call('LINDEX', lane, 0)
  end
  local k = id and fx_key(id)
  if not id then
    redis.call('ZREM', DUE, member)
  elseif redis.call('EXISTS', k) == 0 then
    -- A lane entry without its effect: skip it so the lane moves on.
    if lane then advance_lane(member, id, now) else redis.call('ZREM', DUE, member) end
  else
    local h = hash(k)
    local dep = false
    if h.kind == 'post' and h.incident then dep = 'card:' .. h.incident elseif h.kind == 'redraw' then dep = h.key end
    local dep_sent = dep and redis.call('GET', P .. ':ts:' .. dep)
    if dep and not dep_sent then
      redis.call('ZADD', DUE, BLOCKED, member)
    else
      if h.lease then
        redis.call('HSET', k, 'uncertain', '1')
        h.uncertain = '1'
      end
      redis.call('HSET', k, 'lease', token, 'leaseUntil', now + lease_ms)
      redis.call('HINCRBY', k, 'attempts', 1)
      redis.call('ZADD', DUE, now + lease_ms, member)
      local own = redis.call('GET', P .. ':ts:' .. h.key)
      out[#out + 1] = { member, id, cjson.encode(h), own or '', dep_sent or '' }
    end
  end
end
return out
`;

/** ARGV: prefix, member, id, token, sent JSON, gen, settleMs. Records a posted message's ts and moves its thread on. */
export const SENT = `${PRELUDE}
local now = now_ms()
local member, id, token = ARGV[2], ARGV[3], ARGV[4]
local k = fx_key(id)
if not holds(k, token) then return 0 end
local h = hash(k)
redis.call('SET', P .. ':ts:' .. h.key, ARGV[5])
if h.kind == 'card' then
  local lane = 'lane:t:' .. h.incident
  if redis.call('EXISTS', P .. ':' .. lane) == 1 then unblock(lane, now, true) end
  finish_coalesced(member, id, tonumber(ARGV[6]), now, tonumber(ARGV[7]))
else
  forget(id)
  advance_lane(member, id, now)
  unblock('redraw:' .. h.key, now, false)
end
wake()
return 1
`;

/** ARGV: prefix, member, id, token, gen, settleMs. An update went through. */
export const UPDATED = `${PRELUDE}
local now = now_ms()
local member, id, token = ARGV[2], ARGV[3], ARGV[4]
if not holds(fx_key(id), token) then return 0 end
finish_coalesced(member, id, tonumber(ARGV[5]), now, tonumber(ARGV[6]))
return 1
`;

/**
 * ARGV: prefix, member, id, token, delayMs, uncertain ('1', '0', '' = keep), failure ('1' counts one), error,
 * gate (method:channel or ''), gateMs. Gives the effect back, due again after `delayMs`.
 */
export const RELEASE = `${PRELUDE}
local now = now_ms()
local member, id, token = ARGV[2], ARGV[3], ARGV[4]
local k = fx_key(id)
if not holds(k, token) then return 0 end
redis.call('HDEL', k, 'lease', 'leaseUntil')
if ARGV[6] ~= '' then redis.call('HSET', k, 'uncertain', ARGV[6]) end
if ARGV[7] == '1' then redis.call('HINCRBY', k, 'failures', 1) end
if ARGV[8] ~= '' then redis.call('HSET', k, 'lastError', ARGV[8]) end
if ARGV[9] ~= '' then
  local ms = tonumber(ARGV[10])
  redis.call('SET', P .. ':gate:' .. ARGV[9], now + ms, 'PX', ms)
end
redis.call('ZADD', DUE, now + tonumber(ARGV[5]), member)
return 1
`;

/**
 * ARGV: prefix, member, id, token, reason, record ('1' keeps it in the dead-letter list), with thread ('1' also
 * drops the replies waiting for this card: its incident is gone).
 */
export const DEAD = `${PRELUDE}
local now = now_ms()
local member, id, token = ARGV[2], ARGV[3], ARGV[4]
local k = fx_key(id)
if not holds(k, token) then return 0 end
local h = hash(k)
if ARGV[7] == '1' and h.kind == 'card' then
  local lane = 'lane:t:' .. h.incident
  for _, reply in ipairs(redis.call('LRANGE', P .. ':' .. lane, 0, -1)) do forget(reply) end
  redis.call('DEL', P .. ':' .. lane)
  redis.call('ZREM', DUE, lane)
end
if ARGV[6] == '1' then
  h.lease = nil
  h.leaseUntil = nil
  redis.call('LPUSH', P .. ':dead', cjson.encode({ id = id, reason = ARGV[5], at = now, effect = h }))
  redis.call('LTRIM', P .. ':dead', 0, 999)
end
forget(id)
if kind_of(member) == 'lane' then advance_lane(member, id, now) else redis.call('ZREM', DUE, member) end
return 1
`;

/**
 * ARGV: prefix, gate (method:channel), bucket (method:scope), rate per second, burst. Takes one token from the
 * bucket and returns 0, or returns how many ms to wait (a Retry-After gate, or until a token is back).
 */
export const ACQUIRE = `${PRELUDE}
local now = now_ms()
local gate = redis.call('GET', P .. ':gate:' .. ARGV[2])
if gate and tonumber(gate) > now then return tonumber(gate) - now end
local bk = P .. ':bucket:' .. ARGV[3]
local rate = tonumber(ARGV[4]) / 1000
local burst = tonumber(ARGV[5])
local b = redis.call('HMGET', bk, 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens < 1 then wait = math.ceil((1 - tokens) / rate) else tokens = tokens - 1 end
redis.call('HSET', bk, 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', bk, math.ceil(burst / rate) + 60000)
return wait
`;

/** ARGV: prefix. Milliseconds until the next effect falls due, or -1 when nothing is due (or all wait on a ts). */
export const NEXT_DUE = `${PRELUDE}
local r = redis.call('ZRANGE', DUE, 0, 0, 'WITHSCORES')
if #r == 0 or tonumber(r[2]) >= BLOCKED then return -1 end
return math.max(0, tonumber(r[2]) - now_ms())
`;
