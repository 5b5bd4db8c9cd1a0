// Limits in words for ops, as the policy would write them: `100/1s`, `100/1s, 100000/1d`,
// `1000000/month`. Used by policy problems and by `policy routes` / `policy explain`. Pure.
import { formatWindow, type QuotaSpec, type RateLimitSpec } from '../core/rate-limits.js';

/** One window: `requests/per`. */
export const formatLimit = (window: RateLimitSpec): string => `${window.requests}/${formatWindow(window.perMs)}`;

/** A list of windows, in the order given: `100/1s, 100000/1d`. */
export const formatLimits = (windows: readonly RateLimitSpec[]): string => windows.map(formatLimit).join(', ');

export const formatQuota = (quota: QuotaSpec): string => `${quota.limit}/${quota.period}`;
