// The quota period in Lua, as core/quota-period.ts computes it in TypeScript:
// the take script (take-script.ts) derives a counter's period from Redis' own
// TIME with it, and a test evaluates this very text in a real redis-server
// against the table of boundary instants both derivations share.

/**
 * Defines `quota_period(now_ms, kind)` (kind 1: day, 2: month) returning the
 * period's id, first instant and the next period's first instant (epoch ms):
 * days since 1970-01-01, or months since 1970-01 from the civil date of the
 * day (Howard Hinnant's days/civil algorithms, exact for any Gregorian date).
 * Integer-valued floats throughout: every figure stays far below 2^53.
 */
export const QUOTA_PERIOD_LUA = `
local DAY_MS = 86400000
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end
local function quota_period(now_ms, kind)
  local day = math.floor(now_ms / DAY_MS)
  if kind == 1 then return day, day * DAY_MS, (day + 1) * DAY_MS end
  local z = day + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  local ny, nm = y, m + 1
  if nm > 12 then ny, nm = y + 1, 1 end
  return (y - 1970) * 12 + (m - 1), days_from_civil(y, m, 1) * DAY_MS, days_from_civil(ny, nm, 1) * DAY_MS
end
`;

/** The script's code for each quota period, in its ARGV. */
export const QUOTA_KIND = { day: 1, month: 2 } as const;
