// One key's counts in one hour, as the store records and returns them.
import type { HourlyUsage } from '../../core/key-activity.js';

export const hourlyUsage = (
  keyId: string,
  hourStartMs: number,
  success: number,
  rateLimited = 0,
  clientErrors = 0,
  serverErrors = 0,
): HourlyUsage => ({
  keyId,
  hourStartMs,
  success,
  rateLimited,
  clientErrors,
  serverErrors,
});
