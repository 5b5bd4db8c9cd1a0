// What a child said at warn level or worse during the run (pino JSON lines),
// condensed for the report: a Redis fallback or a crash loop explains a bad
// number better than the number does.
import { readFileSync } from 'node:fs';

// pino levels, by number or by label (core/logger.ts writes labels).
const SERIOUS = new Set([40, 50, 60, 'warn', 'error', 'fatal']);

export function warningsIn(logPath: string, limit = 3): string | undefined {
  let text: string;
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    return undefined;
  }
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number | string; msg?: string };
      if (!SERIOUS.has(entry.level ?? 0)) continue;
      const msg = entry.msg ?? '(no message)';
      counts.set(msg, (counts.get(msg) ?? 0) + 1);
    } catch {
      // not a log line
    }
  }
  if (counts.size === 0) return undefined;
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const top = [...counts].slice(0, limit).map(([msg, n]) => `"${msg}" ×${n}`);
  return `${total} warn+ log lines: ${top.join(', ')}${counts.size > limit ? ', …' : ''}`;
}
