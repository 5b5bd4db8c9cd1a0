// The selected key's usage: the last 24 hours and the last 7 days, each as a
// stacked hourly chart with its totals in words. One API call covers both.
import type { ApiClient, ApiKey, UsageHour } from './api.js';
import { ApiProblem } from './api.js';
import { stackedBarChart } from './chart.js';
import { h } from './dom.js';
import { HOUR_MS, hourStartOf, hourlySeries, totalOf, totalsSince } from './usage-series.js';

const RANGES = [
  { id: '24h', title: 'Last 24 hours', hours: 24 },
  { id: '7d', title: 'Last 7 days', hours: 7 * 24 },
] as const;
const LONGEST_HOURS = 7 * 24;

const legend = (): HTMLElement =>
  h(
    'p',
    { class: 'legend' },
    h('span', { class: 'swatch band-success' }),
    'Success ',
    h('span', { class: 'swatch band-rate-limited' }),
    'Rate limited ',
    h('span', { class: 'swatch band-errors' }),
    'Errors',
  );

function rangeView(usage: readonly UsageHour[], nowMs: number, range: (typeof RANGES)[number]): HTMLElement {
  const fromMs = hourStartOf(nowMs) - (range.hours - 1) * HOUR_MS;
  const totals = totalsSince(usage, fromMs);
  const words =
    `${totalOf(totals)} requests: ${totals.success} success, ${totals.rateLimited} rate limited, ` +
    `${totals.clientErrors} client errors, ${totals.serverErrors} server errors`;
  return h(
    'figure',
    { class: 'usage-range', 'data-range': range.id },
    h('figcaption', {}, range.title),
    stackedBarChart(hourlySeries(usage, nowMs, range.hours), `${range.title}, requests per hour`),
    h('p', { class: 'usage-totals', 'data-range': range.id }, words),
  );
}

/** Counts showUsage calls: only the latest one's answer is shown. */
let generation = 0;

/** Show `key`'s usage in `panel`; a later call supersedes an earlier one still loading. */
export async function showUsage(panel: HTMLElement, client: ApiClient, key: ApiKey): Promise<void> {
  const mine = ++generation;
  panel.hidden = false;
  const heading = h('h2', {}, 'Usage: ', h('span', { class: 'key-name' }, key.name), ' ', h('code', {}, key.keyPrefix));
  panel.replaceChildren(heading, h('p', { class: 'muted' }, 'Loading usage…'));
  const nowMs = Date.now();
  let content: HTMLElement[];
  try {
    const usage = await client.usage(key.id, hourStartOf(nowMs) - (LONGEST_HOURS - 1) * HOUR_MS, nowMs);
    content = [legend(), ...RANGES.map((range) => rangeView(usage, nowMs, range))];
  } catch (err) {
    const text = err instanceof ApiProblem ? err.message : 'Usage could not be loaded.';
    content = [h('p', { class: 'error', role: 'alert' }, text)];
  }
  if (mine === generation) panel.replaceChildren(heading, ...content);
}

export function hideUsage(panel: HTMLElement): void {
  generation += 1;
  panel.hidden = true;
  panel.replaceChildren();
}
