/**
 * The incident store's Redis scripts: an incident's hash and the open-incident indexes change in one script, so an
 * index never disagrees with the status it was derived from, whatever runs concurrently (two workers resolving and
 * reopening the same incident, a backfill racing live updates). Keys are derived from `ARGV[1]` (KEY_PREFIX), as in
 * the outbox's scripts: on Redis Cluster KEY_PREFIX must carry a hash tag (e.g. `{rib}`).
 *
 * Index keys (all sorted sets of incident ids; `<P>` is KEY_PREFIX):
 * - `<P>:open:all` — every open incident, scored by createdAt (ms); ZCARD is the open count.
 * - `<P>:open:rank` — the same, ordered most severe first, then newest first (`/incident status` pages).
 * - `<P>:open:channel:<channel>` — open incidents of one channel, by createdAt.
 * - `<P>:open:target:<target>` — open incidents of one target, by createdAt.
 * - `<P>:open:channel:<channel>:target:<target>` — both at once (channel ids have no `:`, so keys cannot collide).
 * - `<P>:incidents:open` — the set earlier versions kept (SADD/SREM); still kept, so a rolling deploy's older
 *   replica reads the truth, and the start-up backfill knows what to index.
 */

const PRELUDE = `
local P = ARGV[1]
local OPEN_SET = P .. ':incidents:open'
local ALL = P .. ':open:all'
local RANK = P .. ':open:rank'
local function channel_key(c) return P .. ':open:channel:' .. c end
local function target_key(t) return P .. ':open:target:' .. t end
local function both_key(c, t) return P .. ':open:channel:' .. c .. ':target:' .. t end

-- createdAt is an ISO-8601 UTC instant (toISOString); days-from-civil turns it into epoch ms. Anything else scores 0.
local function iso_ms(s)
  local y, mo, d, h, mi, sec, frac = string.match(s or '', '^(%d%d%d%d)-(%d%d)-(%d%d)T(%d%d):(%d%d):(%d%d)%.?(%d*)')
  if not y then return 0 end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = (mo + 9) % 12
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  local days = era * 146097 + doe - 719468
  local ms = 0
  if frac ~= '' then ms = tonumber(string.sub(frac .. '000', 1, 3)) end
  return ((days * 24 + tonumber(h)) * 60 + tonumber(mi)) * 60000 + tonumber(sec) * 1000 + ms
end

-- Most severe first (sev1 = 0), then newest first: 1e13 ms is past the year 2286, so the parts never overlap.
local function rank_score(severity, created)
  local r = tonumber(string.match(severity or '', '^sev(%d)$') or '9') - 1
  return string.format('%.0f', r * 1e13 + (1e13 - created))
end

local function fields(key)
  local v = redis.call('HMGET', key, 'id', 'status', 'channel', 'target', 'severity', 'createdAt')
  return { id = v[1], status = v[2], channel = v[3] or '', target = v[4] or '', severity = v[5], createdAt = v[6] }
end

local function unindex(id, f)
  redis.call('SREM', OPEN_SET, id)
  redis.call('ZREM', ALL, id)
  redis.call('ZREM', RANK, id)
  if f.channel ~= '' then redis.call('ZREM', channel_key(f.channel), id) end
  if f.target ~= '' then redis.call('ZREM', target_key(f.target), id) end
  if f.channel ~= '' and f.target ~= '' then redis.call('ZREM', both_key(f.channel, f.target), id) end
end

local function index(id, f)
  if f.status ~= 'open' then return end
  local created = iso_ms(f.createdAt)
  redis.call('SADD', OPEN_SET, id)
  redis.call('ZADD', ALL, created, id)
  redis.call('ZADD', RANK, rank_score(f.severity, created), id)
  if f.channel ~= '' then redis.call('ZADD', channel_key(f.channel), created, id) end
  if f.target ~= '' then redis.call('ZADD', target_key(f.target), created, id) end
  if f.channel ~= '' and f.target ~= '' then redis.call('ZADD', both_key(f.channel, f.target), created, id) end
end
`;

/**
 * Writes an incident's fields and re-derives its index entries from the hash as written.
 * ARGV: prefix, id, mode (`create` writes whatever is there; `update` writes nothing and returns 0 when the incident
 * does not exist; `reindex` writes no fields), then field, value pairs. Returns 1 when written.
 */
export const WRITE_INCIDENT = `${PRELUDE}
local id, mode = ARGV[2], ARGV[3]
local key = P .. ':incident:' .. id
local before = fields(key)
if mode ~= 'create' and not before.id then
  -- A vanished incident leaves nothing open behind it.
  unindex(id, before)
  return 0
end
if #ARGV > 3 then redis.call('HSET', key, unpack(ARGV, 4)) end
unindex(id, before)
index(id, fields(key))
return 1
`;

/**
 * One page of an index with the incidents' hashes, in one round trip.
 * ARGV: prefix, index key suffix (after `<P>:open:`), start, stop, order (`asc` | `desc`), hashes (`all`, or
 * `if-one`: only when the index holds exactly one incident — a command without an id needs the incident only then,
 * and the ids otherwise).
 * Returns `{ count, id1, {field, value, …}, id2, {…}, … }`; an id whose hash is gone or was not asked for comes with
 * an empty list.
 */
export const PAGE = `
local P = ARGV[1]
local key = P .. ':open:' .. ARGV[2]
local ids
if ARGV[5] == 'desc' then
  ids = redis.call('ZREVRANGE', key, ARGV[3], ARGV[4])
else
  ids = redis.call('ZRANGE', key, ARGV[3], ARGV[4])
end
local count = redis.call('ZCARD', key)
local hashes = ARGV[6] ~= 'if-one' or count == 1
local out = { count }
for _, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = hashes and redis.call('HGETALL', P .. ':incident:' .. id) or {}
end
return out
`;

/**
 * The newest open incident of a target created at or after a time (ms), with its hash, in one round trip.
 * ARGV: prefix, target, since (ms). Returns `{}` or `{ id, {field, value, …} }`.
 */
export const NEWEST_FOR_TARGET = `
local P = ARGV[1]
local ids = redis.call('ZREVRANGEBYSCORE', P .. ':open:target:' .. ARGV[2], '+inf', ARGV[3], 'LIMIT', 0, 1)
if #ids == 0 then return {} end
return { ids[1], redis.call('HGETALL', P .. ':incident:' .. ids[1]) }
`;
