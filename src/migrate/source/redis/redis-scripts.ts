/**
 * The Lua the Redis source runs on the server. A script runs atomically:
 * nothing else touches the keyspace while it reads, checks and writes, so a
 * batch's preconditions hold exactly when its writes land. Every check comes
 * before the first write, so a refused batch writes nothing.
 */

/**
 * The version of the document at a key, computed from what is stored so
 * that any writer's change moves it: a SHA-1 of the type and the content.
 * A hash's fields are digested pair by pair and the pair digests sorted, so
 * the order HGETALL happens to give does not matter. Returns the type, the
 * content (false when absent) and the version (false when absent).
 */
const DIGEST = `
local function digest_of(key)
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'string' then
    local value = redis.call('GET', key)
    return kind, value, redis.sha1hex('s' .. value)
  elseif kind == 'hash' then
    local flat = redis.call('HGETALL', key)
    local pairs_ = {}
    for i = 1, #flat, 2 do
      pairs_[#pairs_ + 1] = redis.sha1hex(#flat[i] .. ':' .. flat[i] .. flat[i + 1])
    end
    table.sort(pairs_)
    return kind, flat, redis.sha1hex('h' .. table.concat(pairs_))
  end
  return kind, false, false
end
`;

/**
 * Reads documents: KEYS are the documents' keys, ARGV[1] the type documents
 * have. Answers, per key, false when there is no document of that type,
 * else { version, content }.
 */
export const READ = `${DIGEST}
local found = {}
for i = 1, #KEYS do
  local kind, content, version = digest_of(KEYS[i])
  if kind == ARGV[1] then found[i] = { version, content } else found[i] = false end
end
return found
`;

/**
 * Applies a batch. KEYS[1] is the fence key, KEYS[2…] the keys written, in
 * order. ARGV: the type documents have, '1' when fenced, the token, then per
 * write its kind (i, r, d), the version it expects ('' for inserts), the
 * index in KEYS of the key it moves from (0 for none), and for inserts and
 * replaces the value (a string's value; a hash's field count, then its fields
 * and values).
 *
 * Answers { 'lease', stored token } when a newer token has written;
 * { 'refused', write index, reason, … } when writes cannot hold; else
 * { 'ok', version of each write ('' for deletes) }. A moved document keeps
 * the TTL its old key had; a replaced one keeps its own.
 */
export const APPLY = `${DIGEST}
local kind = ARGV[1]
local pos = 4
local ops = {}
for i = 2, #KEYS do
  local op = { key = KEYS[i], kind = ARGV[pos], expected = ARGV[pos + 1], from = tonumber(ARGV[pos + 2]) }
  pos = pos + 3
  if op.kind ~= 'd' then
    if kind == 'string' then
      op.value = ARGV[pos]
      pos = pos + 1
    else
      local n = tonumber(ARGV[pos])
      op.fields = {}
      for j = 1, 2 * n do op.fields[j] = ARGV[pos + j] end
      pos = pos + 1 + 2 * n
    end
  end
  ops[#ops + 1] = op
end

local fenced = ARGV[2] == '1'
local token = tonumber(ARGV[3])
if fenced then
  local stored = tonumber(redis.call('GET', KEYS[1]) or '-1')
  if stored > token then return { 'lease', tostring(stored) } end
end

local refused = { 'refused' }
for i, op in ipairs(ops) do
  local found, _, version = digest_of(op.key)
  if op.kind == 'i' then
    if found ~= 'none' then
      refused[#refused + 1] = tostring(i)
      refused[#refused + 1] = 'exists'
    end
  elseif found ~= kind or version ~= op.expected then
    refused[#refused + 1] = tostring(i)
    refused[#refused + 1] = 'conflict'
  end
end
if #refused > 1 then return refused end

local function write_hash(key, fields)
  for j = 1, #fields, 1000 do
    redis.call('HSET', key, unpack(fields, j, math.min(j + 999, #fields)))
  end
end

local ttls = {}
for i, op in ipairs(ops) do
  if op.from > 0 then ttls[i] = redis.call('PTTL', KEYS[op.from]) end
end

local versions = { 'ok' }
for i, op in ipairs(ops) do
  if op.kind == 'd' then
    redis.call('DEL', op.key)
  elseif kind == 'string' then
    if op.kind == 'r' then redis.call('SET', op.key, op.value, 'KEEPTTL') else redis.call('SET', op.key, op.value) end
  else
    local ttl = op.kind == 'r' and redis.call('PTTL', op.key) or -1
    if op.kind == 'r' then redis.call('DEL', op.key) end
    write_hash(op.key, op.fields)
    if ttl > 0 then redis.call('PEXPIRE', op.key, ttl) end
  end
  if ttls[i] ~= nil and ttls[i] > 0 then redis.call('PEXPIRE', op.key, ttls[i]) end
end
for i, op in ipairs(ops) do
  if op.kind == 'd' then
    versions[#versions + 1] = ''
  else
    local _, _, version = digest_of(op.key)
    versions[#versions + 1] = version
  end
end
if fenced then redis.call('SET', KEYS[1], ARGV[3]) end
return versions
`;
