// The Lua the Redis limiter runs: one call decides a batch of takes, each
// against every check of its plan, all-or-nothing, on Redis' clock, and may
// lease tokens to the calling gateway (lease-book.ts).
//
// KEYS: every check's key, take after take. ARGV: the lease lifetime in ms;
// the number of lease blocks, then each: the take's position (1-based),
// tokens wanted on lease, tokens given back, and the Redis time (ms) of the
// grant they came from (only takes that want or give back have one, so the
// usual batch carries none); then `1` and one plan block shared by every take
// (the usual case: the same checks and cost), or `0` and one plan block per
// take. A plan block: cost, number of checks, then per check its kind (0
// window, 1 daily quota, 2 monthly quota) and two numbers (window: capacity
// and length in ms; quota: limit and 0).
// Order per take:
// 1. Tokens given back are added to each window (capped at its capacity) and
//    taken off each quota's count (only within the period they were leased
//    in; never below zero). This is written even when the take is refused.
// 2. The take holds when every check holds the cost; then every check is
//    charged the cost, else none is.
// 3. A held take with tokens wanted is granted a lease: the same number of
//    tokens from every check, at most the wanted number and at most
//    1/LEASE_SHARE of the least any check has left after the cost, and none
//    when that is below MIN_LEASE, or when a quota's period ends within the
//    lease's lifetime. So a lease only exists far from every limit.
// Reply: per take the tokens granted, then per check one integer, the check's
// level after the take's cost as if the lease were still in it (a window's
// tokens in thousandths, floored; a quota's count in its period), as `-1 -
// level` when that check alone lacked the cost; then now in µs. Redis itself
// holds the level minus the grant.
// Windows are hashes {tokens, ts} with PEXPIRE = time until full (a full
// bucket and a missing key are the same). Quota counters are hashes
// {p: period number, u: count} expiring at the period's end; a counter of an
// earlier period counts as zero. The period comes from TIME (quota-lua.ts).
import { QUOTA_PERIOD_LUA } from './quota-lua.js';

/** A lease takes at most this fraction (1/LEASE_SHARE) of what the emptiest check has left. */
export const LEASE_SHARE = 8;
/** Smaller grants are not worth a lease: near a limit every take goes to Redis. */
export const MIN_LEASE = 2;

export const TAKE_SCRIPT = `${QUOTA_PERIOD_LUA}
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local now_ms = now / 1000
local lease_ms = tonumber(ARGV[1])
local lease_blocks = tonumber(ARGV[2])
local leases = {}
for l = 0, lease_blocks - 1 do
  local at = 3 + 4 * l
  leases[tonumber(ARGV[at])] = { tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]) }
end
local shared_at = 3 + 4 * lease_blocks
local shared = ARGV[shared_at] == '1'
local answer = {}
local key_at, plan_at, take = 1, shared_at + 1, 0
while key_at <= #KEYS do
  take = take + 1
  local cost = tonumber(ARGV[plan_at])
  local count = tonumber(ARGV[plan_at + 1])
  local want, given, given_at = 0, 0, 0
  local lease = leases[take]
  if lease then want, given, given_at = lease[1], lease[2], lease[3] end
  local levels, holds, periods, all = {}, {}, {}, true
  local least, lease_ok = math.huge, want >= ${MIN_LEASE}
  for c = 1, count do
    local key = KEYS[key_at + c - 1]
    local at = plan_at + 2 + 3 * (c - 1)
    local kind, a, b = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
    if kind == 0 then
      local stored = redis.call('HMGET', key, 'tokens', 'ts')
      local held, last = tonumber(stored[1]), tonumber(stored[2])
      local tokens = a
      if held and last then tokens = math.min(a, held + math.max(0, now - last) * a / (b * 1000)) end
      if given > 0 then tokens = math.min(a, tokens + given) end
      levels[c] = tokens
      holds[c] = tokens + 1e-9 >= cost
      periods[c] = last
      least = math.min(least, tokens - cost)
    else
      local id, _, period_end = quota_period(now_ms, kind)
      local stored = redis.call('HMGET', key, 'p', 'u')
      local used = 0
      if tonumber(stored[1]) == id then used = tonumber(stored[2]) or 0 end
      if given > 0 and quota_period(given_at, kind) == id then used = math.max(0, used - given) end
      levels[c] = used
      holds[c] = used + cost <= a
      periods[c] = { id, period_end }
      least = math.min(least, a - used - cost)
      if period_end - now_ms < lease_ms then lease_ok = false end
    end
    if not holds[c] then all = false end
  end
  local grant = 0
  if all and lease_ok then
    grant = math.min(want, math.floor(least / ${LEASE_SHARE}))
    if grant < ${MIN_LEASE} then grant = 0 end
  end
  answer[#answer + 1] = grant
  for c = 1, count do
    local key = KEYS[key_at + c - 1]
    local at = plan_at + 2 + 3 * (c - 1)
    local kind, a, b = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
    local level = levels[c]
    if all then
      if kind == 0 then level = math.max(0, level - cost) else level = level + cost end
    end
    if all or given > 0 then
      if kind == 0 then
        local stored = math.max(0, level - grant)
        redis.call('HSET', key, 'tokens', string.format('%.17g', stored), 'ts', string.format('%.0f', math.max(now, periods[c] or now)))
        redis.call('PEXPIRE', key, string.format('%.0f', math.max(1, math.ceil((a - stored) * b / a))))
      else
        redis.call('HSET', key, 'p', string.format('%.0f', periods[c][1]), 'u', string.format('%.0f', level + grant))
        redis.call('PEXPIREAT', key, string.format('%.0f', periods[c][2]))
      end
    end
    local encoded = kind == 0 and math.floor(level * 1000) or level
    if holds[c] then answer[#answer + 1] = encoded else answer[#answer + 1] = -1 - encoded end
  end
  key_at = key_at + count
  if not shared then plan_at = plan_at + 2 + 3 * count end
end
answer[#answer + 1] = now
return answer
`;
