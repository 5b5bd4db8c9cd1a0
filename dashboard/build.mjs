// Copies the dashboard's static files (index.html, dashboard.css) next to the
// compiled modules in dist/dashboard, where admin/dashboard/assets.ts reads them.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const from = join(here, 'public');
const to = join(here, '..', 'dist', 'dashboard');
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from)) copyFileSync(join(from, name), join(to, name));
