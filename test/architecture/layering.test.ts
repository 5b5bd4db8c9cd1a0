// The layout's one rule, enforced: each folder imports only the layers below
// it. core/ is shared by all; config/ reads files into typed values; the two
// planes (gateway/, admin/) never import each other; commands/ (the
// composition root) and cli.ts assemble processes from all of them. Read from
// the sources' import statements, resolved relative to each file.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import t from 'tap';

const ROOT = process.cwd();
/** Folder -> the top-level folders its imports may reach (itself included). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: ['core'],
  config: ['config', 'core'],
  gateway: ['gateway', 'config', 'core'],
  admin: ['admin', 'config', 'core'],
  commands: ['commands', 'gateway', 'admin', 'config', 'core'],
  // The browser front end (dashboard/src) stands alone: it talks to the service over HTTP only.
  dashboard: ['dashboard'],
};

function sourcesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** The top-level folders `file` imports from (relative specifiers only; packages are not layers). */
function layersImportedBy(file: string): { specifier: string; layer: string }[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: { specifier: string; layer: string }[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'/gm)) {
    const specifier = match[1]!;
    const target = normalize(join(dirname(file), specifier));
    found.push({ specifier, layer: target.split('/')[0]! });
  }
  return found;
}

t.test('every folder imports only the layers below it; the planes never import each other', async (t) => {
  for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
    const breaches: string[] = [];
    for (const file of sourcesUnder(folder)) {
      for (const { specifier, layer } of layersImportedBy(file)) {
        if (!allowed.includes(layer)) breaches.push(`${file} imports ${specifier}`);
      }
    }
    t.same(breaches, [], `${folder}/ imports only ${allowed.join(', ')}`);
  }
});

t.test('the check sees imports: a plane file importing the other plane would be caught', async (t) => {
  const layers = new Set(layersImportedBy('commands/start.ts').map((found) => found.layer));
  t.ok(layers.has('admin') && layers.has('gateway'), 'start.ts imports both planes (allowed there, and seen)');
  t.ok(sourcesUnder('gateway').length > 20 && sourcesUnder('admin').length > 20, 'both planes are read');
});
