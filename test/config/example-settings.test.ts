// config/gateway.example.yaml documents every settings field at its default.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { loadSettings } from '../../config/gateway-settings.js';

const EXAMPLE = 'config/gateway.example.yaml';

t.test('the example loads and equals the defaults', async (t) => {
  const { configPath, ...fromExample } = loadSettings({}, EXAMPLE);
  const { configPath: none, ...defaults } = loadSettings({});
  t.equal(configPath, EXAMPLE);
  t.equal(none, null);
  t.same(fromExample, defaults);
});

t.test('the example sets every field of every section', async (t) => {
  const example = parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, Record<string, unknown>>;
  const defaults = loadSettings({});
  const msSuffix = (key: string) => key.replace(/Ms$/, '');
  for (const section of ['server', 'upstream', 'sync', 'rateLimit'] as const) {
    t.same(Object.keys(example[section] ?? {}).sort(), Object.keys(defaults[section]).map(msSuffix).sort(), section);
  }
});
