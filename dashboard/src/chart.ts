// A stacked bar chart in SVG, one bar per hour: success at the bottom, then
// rate-limited, then errors. Built with createElementNS; every label is a
// text node. Colours come from dashboard.css (the classes below).
import { s } from './dom.js';
import type { HourBar } from './usage-series.js';

const WIDTH = 720;
const HEIGHT = 160;
const TOP = 16; // room for the scale label
const BANDS = [
  { field: 'success', label: 'success', className: 'band-success' },
  { field: 'rateLimited', label: 'rate limited', className: 'band-rate-limited' },
  { field: 'errors', label: 'errors', className: 'band-errors' },
] as const;

const hourLabel = (startMs: number): string => {
  const iso = new Date(startMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 13)}:00 UTC`;
};

export function stackedBarChart(bars: readonly HourBar[], title: string): SVGSVGElement {
  const peak = Math.max(1, ...bars.map((bar) => bar.success + bar.rateLimited + bar.errors));
  const slot = WIDTH / Math.max(1, bars.length);
  const barWidth = Math.max(1, slot * 0.8);
  const scale = (HEIGHT - TOP) / peak;
  const total = bars.reduce((sum, bar) => sum + bar.success + bar.rateLimited + bar.errors, 0);
  const chart = s(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', class: 'chart', 'aria-label': `${title}: ${total} requests` },
    s('title', {}, `${title}: ${total} requests`),
    s('line', { x1: '0', y1: String(HEIGHT - 0.5), x2: String(WIDTH), y2: String(HEIGHT - 0.5), class: 'axis' }),
    s('text', { x: '2', y: '11', class: 'scale' }, `${peak} per hour`),
  );
  bars.forEach((bar, index) => {
    const count = bar.success + bar.rateLimited + bar.errors;
    if (count === 0) return;
    const group = s(
      'g',
      { class: 'bar' },
      s('title', {}, `${hourLabel(bar.startMs)}: ${bar.success} success, ${bar.rateLimited} rate limited, ${bar.errors} errors`),
    );
    let y = HEIGHT;
    for (const band of BANDS) {
      const value = bar[band.field];
      if (value === 0) continue;
      const height = value * scale;
      y -= height;
      group.append(
        s('rect', {
          x: (index * slot + (slot - barWidth) / 2).toFixed(2),
          y: y.toFixed(2),
          width: barWidth.toFixed(2),
          height: height.toFixed(2),
          class: band.className,
        }),
      );
    }
    chart.append(group);
  });
  return chart;
}
