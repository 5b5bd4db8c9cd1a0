// The dashboard's static files over plain HTTP: the page and its assets with
// their content types and security headers, caching by ETag, the usual JSON
// problems for unknown assets and other methods, and no path that reaches a
// file outside dist/dashboard. Not part of the API: absent from /openapi.json.
import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { DEFAULT_ASSET_DIR } from '../../admin/dashboard/assets.js';
import { startAdmin } from '../helpers/admin.js';
import { call } from '../helpers/http.js';
import { rawRequest } from '../helpers/raw-http.js';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

t.test('the page and every asset: content type, bytes as built, security headers, revalidation', async (t) => {
  const admin = await startAdmin(t);
  const built = readdirSync(DEFAULT_ASSET_DIR);
  t.ok(built.includes('index.html') && built.includes('main.js') && built.includes('dashboard.css'), 'the front end is built');
  const expected: Record<string, string> = {
    html: 'text/html; charset=utf-8',
    css: 'text/css; charset=utf-8',
    js: 'text/javascript; charset=utf-8',
    svg: 'image/svg+xml',
  };
  const assets = built.filter((name) => /\.(html|css|js|svg)$/.test(name)).map((name) => `/dashboard/${name}`);
  for (const path of ['/dashboard', '/dashboard/', ...assets]) {
    const name = path === '/dashboard' || path === '/dashboard/' ? 'index.html' : path.slice('/dashboard/'.length);
    const response = await call(admin.baseUrl, 'GET', path);
    t.equal(response.status, 200, path);
    t.equal(response.headers['content-type'], expected[name.split('.').pop()!], `${path}: content type`);
    t.equal(response.text, readFileSync(`${DEFAULT_ASSET_DIR}/${name}`, 'utf8'), `${path}: the built file`);
    t.equal(response.headers['content-security-policy'], CSP, `${path}: CSP`);
    t.equal(response.headers['x-frame-options'], 'DENY');
    t.equal(response.headers['referrer-policy'], 'no-referrer');
    t.equal(response.headers['x-content-type-options'], 'nosniff');
    t.equal(response.headers['cache-control'], 'no-cache');
    t.notOk(response.headers['set-cookie'], 'no cookies');
    const again = await call(admin.baseUrl, 'GET', path, { headers: { 'if-none-match': String(response.headers.etag) } });
    t.equal(again.status, 304, `${path}: unchanged is 304`);
    t.equal(again.text, '');
  }
  const head = await call(admin.baseUrl, 'HEAD', '/dashboard');
  t.equal(head.status, 200);
  t.equal(head.text, '', 'HEAD: no body');
  t.equal(Number(head.headers['content-length']), readFileSync(`${DEFAULT_ASSET_DIR}/index.html`).length);
});

t.test('the page loads nothing inline: an icon, one stylesheet and one module script, all from /dashboard/', async (t) => {
  const admin = await startAdmin(t);
  const html = (await call(admin.baseUrl, 'GET', '/dashboard')).text;
  t.notMatch(html, /<script(?![^>]*\bsrc=)/, 'no inline script');
  t.notMatch(html, /<style|\sstyle=|\son[a-z]+=/i, 'no inline style or handler');
  t.same(
    [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]),
    ['/dashboard/favicon.svg', '/dashboard/dashboard.css', '/dashboard/main.js'],
  );
});

t.test('unknown assets, other methods and the API document', async (t) => {
  const admin = await startAdmin(t);
  for (const path of ['/dashboard/nope.js', '/dashboard/index.htm', '/dashboard/a/main.js', '/dashboardx']) {
    const response = await call(admin.baseUrl, 'GET', path);
    t.equal(response.status, 404, path);
    t.equal(response.json?.code, 'route_not_found', `${path}: the usual problem`);
    t.match(response.headers['content-type'], /^application\/problem\+json/);
  }
  const post = await call(admin.baseUrl, 'POST', '/dashboard', { body: {} });
  t.equal(post.status, 405);
  t.equal(post.json.code, 'method_not_allowed');
  t.equal(post.headers.allow, 'GET, HEAD');
  const document = (await call(admin.baseUrl, 'GET', '/openapi.json')).json;
  t.notOk(
    Object.keys(document.paths).some((path) => path.includes('dashboard')),
    'not in the OpenAPI document',
  );
});

t.test('path traversal never serves a file outside dist/dashboard', async (t) => {
  const admin = await startAdmin(t);
  const targets = [
    '/dashboard/../package.json',
    '/dashboard/../../package.json',
    '/dashboard/%2e%2e/package.json',
    '/dashboard/%2E%2E%2Fpackage.json',
    '/dashboard/..%2fpackage.json',
    '/dashboard/..%5cpackage.json',
    '/dashboard/%252e%252e%252fpackage.json',
    '/dashboard/..\\package.json',
    '/dashboard/./index.html',
    '/dashboard/%2findex.html',
    '/dashboard//index.html',
    '/dashboard/main.js/',
    '/dashboard/../admin/dashboard/assets.js',
    '/dashboard/..;/package.json',
    '/dashboard/\uff0e\uff0e\uff0fpackage.json',
  ];
  for (const target of targets) {
    const response = await rawRequest(
      admin.port,
      Buffer.from(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 'utf8'),
    );
    t.ok(response.status === 400 || response.status === 404, `${target}: refused (${response.status})`);
    t.notOk(response.body.includes('bullseye-gateway') || response.body.includes('loadDashboardAssets'), `${target}: no file`);
    t.match(response.headers['content-type'] ?? '', /^application\/problem\+json/, `${target}: a problem, not an asset`);
  }
});
