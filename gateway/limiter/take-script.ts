// The Lua the Redis limiter runs: one call decides a batch of takes, each
// against every check of its plan, all-or-nothing, on Redis' clock.
//
// KEYS: every check's key, take after take. ARGV: `1` then one block for
// every take (all share their checks' shape and cost: the usual case), or `0`
// then one block per take. A block: cost, number of checks, then per check
// its kind (0 window, 1 daily quota, 2 monthly quota) and two numbers
// (window: capacity and length in ms; quota: limit and 0).
// Reply: per take and check one integer, the check's level after the take (a
// window's tokens in thousandths, floored; a quota's count in its period),
// as `-1 - level` when that check alone lacked the cost; then now in µs.
// A take is charged only when every one of its checks holds the cost; a
// refused take writes nothing.
// Windows are hashes {tokens, ts} with PEXPIRE = time until full (a full
// bucket and a missing key are the same). Quota counters are hashes
// {p: period number, u: count} expiring at the period's end; a counter of an
// earlier period counts as zero. The period comes from TIME (quota-lua.ts).
import { QUOTA_PERIOD_LUA } from './quota-lua.js';

export const TAKE_SCRIPT = `${QUOTA_PERIOD_LUA}
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local now_ms = now / 1000
local shared = ARGV[1] == '1'
local answer = {}
local key_at, arg_at = 1, 2
while key_at <= #KEYS do
  if shared then arg_at = 2 end
  local cost = tonumber(ARGV[arg_at])
  local count = tonumber(ARGV[arg_at + 1])
  local levels, holds, periods, all = {}, {}, {}, true
  for c = 1, count do
    local key = KEYS[key_at + c - 1]
    local at = arg_at + 2 + 3 * (c - 1)
    local kind, a, b = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
    if kind == 0 then
      local stored = redis.call('HMGET', key, 'tokens', 'ts')
      local held, last = tonumber(stored[1]), tonumber(stored[2])
      local tokens = a
      if held and last then tokens = math.min(a, held + math.max(0, now - last) * a / (b * 1000)) end
      levels[c] = tokens
      holds[c] = tokens + 1e-9 >= cost
      periods[c] = last
    else
      local id, _, period_end = quota_period(now_ms, kind)
      local stored = redis.call('HMGET', key, 'p', 'u')
      local used = 0
      if tonumber(stored[1]) == id then used = tonumber(stored[2]) or 0 end
      levels[c] = used
      holds[c] = used + cost <= a
      periods[c] = { id, period_end }
    end
    if not holds[c] then all = false end
  end
  for c = 1, count do
    local key = KEYS[key_at + c - 1]
    local at = arg_at + 2 + 3 * (c - 1)
    local kind, a, b = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
    local level = levels[c]
    if all then
      if kind == 0 then
        level = math.max(0, level - cost)
        redis.call('HSET', key, 'tokens', string.format('%.17g', level), 'ts', string.format('%.0f', math.max(now, periods[c] or now)))
        redis.call('PEXPIRE', key, string.format('%.0f', math.max(1, math.ceil((a - level) * b / a))))
      else
        level = level + cost
        redis.call('HSET', key, 'p', string.format('%.0f', periods[c][1]), 'u', string.format('%.0f', level))
        redis.call('PEXPIREAT', key, string.format('%.0f', periods[c][2]))
      end
    end
    local encoded = kind == 0 and math.floor(level * 1000) or level
    if holds[c] then answer[#answer + 1] = encoded else answer[#answer + 1] = -1 - encoded end
  end
  key_at = key_at + count
  if not shared then arg_at = arg_at + 2 + 3 * count end
end
answer[#answer + 1] = now
return answer
`;
