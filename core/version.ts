// The product's version: package.json's "version", read once, here only. The
// CLI (--version), the start-up log lines, every /readyz body, the gateway's
// build_info metric and the admin's OpenAPI document all print this value.
import { readFileSync } from 'node:fs';

/**
 * Where package.json is from this module: one level up when the TypeScript runs directly
 * (core/version.ts, as tap runs it), two when built (dist/core/version.js, with package.json
 * beside dist/ in the repository and in the image).
 */
const CANDIDATES = ['../package.json', '../../package.json'];

function readVersion(): string {
  for (const candidate of CANDIDATES) {
    let text: string;
    try {
      text = readFileSync(new URL(candidate, import.meta.url), 'utf8');
    } catch {
      continue;
    }
    const { name, version } = JSON.parse(text) as { name?: unknown; version?: unknown };
    // Only our own: a package.json of something else on the way up would give a wrong answer.
    if (name === 'bullseye-gateway' && typeof version === 'string') return version;
  }
  throw new Error(
    `bullseye-gateway's package.json not found at ${CANDIDATES.map((c) => new URL(c, import.meta.url).pathname).join(' or ')}`,
  );
}

export const VERSION: string = readVersion();
