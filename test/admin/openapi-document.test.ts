// The OpenAPI 3.1 document: it lists exactly the routes the admin's router
// serves, it is served as is at GET /openapi.json without a key, and it is
// well-formed (every $ref resolves, every schema compiles under strict ajv,
// the code and scope enums are the code's own).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { ERROR_CODES } from '../../core/errors.js';
import { FAMILIES } from '../../core/keys.js';
import { SCOPES } from '../../core/scopes.js';
import { VERSION } from '../../core/version.js';
import { buildOpenApiDocument } from '../../admin/openapi/document.js';
import { ADMIN_ROUTES, compileAdminRoutes } from '../../admin/routes.js';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { createSpecAjv, expectMatchesSpec, specRef } from '../helpers/openapi.js';

const doc = buildOpenApiDocument(ADMIN_ROUTES) as Record<string, any>;
const SAMPLE_PARAMS: Record<string, string> = { organization_id: 'acme', keyId: '0b9f7c0e-1f0a-4b9e-9c53-1d1b9b0b8a11' };
const concrete = (pattern: string) => pattern.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE_PARAMS[name] ?? 'x');

const documented = (): Array<[string, string, Record<string, any>]> =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]): [string, string, Record<string, any>] => [method.toUpperCase(), path, operation]),
  );

t.test('every route the router serves is documented, and nothing else', async (t) => {
  const served = ADMIN_ROUTES.map((route) => `${route.method} ${route.pattern}`).sort();
  t.same(
    documented()
      .map(([method, path]) => `${method} ${path}`)
      .sort(),
    served,
  );
  const table = compileAdminRoutes();
  for (const [method, path] of documented()) {
    t.equal(table.match(method, concrete(path))?.value.template, `${method} ${path}`, `the router answers ${method} ${path}`);
  }
  t.ok(served.includes('GET /openapi.json'));
  t.equal(served.length, 15, 'the fourteen key routes and the document');
});

t.test("info.version is the product's version, from package.json", async (t) => {
  t.equal(doc.info.version, VERSION);
  t.equal(doc.info.version, (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
});

t.test('security, parameters and scopes follow the route table', async (t) => {
  const schemes = doc.components.securitySchemes as Record<string, any>;
  for (const route of ADMIN_ROUTES) {
    const operation = doc.paths[route.pattern][route.method.toLowerCase()];
    if (route.kind === 'public') {
      t.same(operation.security, [], `${route.template} needs no key`);
      continue;
    }
    const [[scheme, scopes]] = operation.security.map((s: Record<string, string[]>) => Object.entries(s)[0]);
    t.same(scopes, [route.scope], `${route.template} needs ${route.scope}`);
    t.same({ in: schemes[scheme].in, name: schemes[scheme].name }, { in: 'header', name: FAMILIES[route.family].headerName });
    const pathParams = operation.parameters.filter((p: { in?: string }) => p.in === 'path').map((p: { name: string }) => p.name);
    t.same(
      pathParams,
      [...route.pattern.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
      `${route.template} path parameters`,
    );
  }
  const ids = documented().map(([, , operation]) => operation.operationId);
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique');
});

t.test('error codes and scopes are the code’s own', async (t) => {
  t.same(doc.components.schemas.Problem.properties.code.enum, Object.keys(ERROR_CODES));
  t.same(doc.components.schemas.OrganizationApiKey.properties.scopes.items.enum, [...SCOPES]);
  for (const [method, path, operation] of documented()) {
    for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
      const problem = response.content?.['application/problem+json'];
      if (!problem) continue;
      const narrowed = problem.schema.allOf[1].properties;
      t.equal(narrowed.status.const, Number(status));
      for (const code of narrowed.code.enum as (keyof typeof ERROR_CODES)[]) {
        t.equal(ERROR_CODES[code][0], Number(status), `${method} ${path}: ${code} is a ${status}`);
      }
    }
    t.ok(operation.responses['500'], `${method} ${path} documents 500`);
  }
});

t.test('every $ref resolves and every schema compiles under strict ajv', async (t) => {
  const refs = new Set<string>();
  (function walk(node: unknown): void {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') refs.add(value);
        else walk(value);
      }
    }
  })(doc);
  t.ok(refs.size > 10);
  for (const ref of refs) {
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<any>((node, token) => node?.[token.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
    t.ok(target, `${ref} resolves`);
  }
  const ajv = createSpecAjv();
  for (const name of Object.keys(doc.components.schemas)) {
    t.doesNotThrow(() => ajv.compile({ $ref: specRef('components', 'schemas', name) }), `schema ${name}`);
  }
  for (const [method, path, operation] of documented()) {
    for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
      for (const mediaType of Object.keys(response.content ?? {})) {
        const ref = specRef('paths', path, method.toLowerCase(), 'responses', status, 'content', mediaType, 'schema');
        t.doesNotThrow(() => ajv.compile({ $ref: ref }), `${method} ${path} ${status} ${mediaType}`);
      }
    }
  }
});

t.test('GET /openapi.json serves the document without a key', async (t) => {
  const admin = await startAdmin(t);
  const res = await call(admin.baseUrl, 'GET', '/openapi.json');
  t.equal(res.status, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  t.same(res.json, JSON.parse(JSON.stringify(doc)), 'the document as the module builds it');
  expectMatchesSpec(t, 'GET /openapi.json', res);
  const withBadKey = await call(admin.baseUrl, 'GET', '/openapi.json', { headers: { 'x-api-key': 'bsk_live_nope' } });
  t.equal(withBadKey.status, 200, 'a key header is not even read');
  const post = await call(admin.baseUrl, 'POST', '/openapi.json', { body: {} });
  t.equal(post.status, 405);
  t.equal(post.headers.allow, 'GET');
});
