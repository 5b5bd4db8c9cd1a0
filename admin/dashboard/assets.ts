// The dashboard's built files (dist/dashboard: index.html, dashboard.css and
// the compiled modules), read once when the admin server is created and served
// from memory. Only names found in that one folder exist: a request can name
// nothing else, so no path ever reaches the file system.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DashboardAsset {
  readonly body: Buffer;
  readonly contentType: string;
  /** A strong validator over the bytes, for If-None-Match. */
  readonly etag: string;
}

export type DashboardAssets = ReadonlyMap<string, DashboardAsset>;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** dist/admin/dashboard/assets.js → dist/dashboard/ (the build's output; see dashboard/tsconfig.json). */
export const DEFAULT_ASSET_DIR = fileURLToPath(new URL('../../dashboard/', import.meta.url));

/**
 * Every servable file of `dir` by name (no subfolders, known types only). A
 * missing folder (the front end not built) is no assets: /dashboard then answers 404.
 */
export function loadDashboardAssets(dir: string = DEFAULT_ASSET_DIR): DashboardAssets {
  const assets = new Map<string, DashboardAsset>();
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return assets;
    throw err;
  }
  for (const entry of entries) {
    const contentType = CONTENT_TYPES[extname(entry.name)];
    if (!entry.isFile() || contentType === undefined) continue;
    const body = readFileSync(`${dir}/${entry.name}`);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    assets.set(entry.name, { body, contentType, etag });
  }
  return assets;
}
