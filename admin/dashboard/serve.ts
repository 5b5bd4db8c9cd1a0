// GET/HEAD /dashboard, /dashboard/ (the page) and /dashboard/<asset>, from
// memory. Static files only: the page holds no data and fetches everything
// from the key API with the user's key, so it needs no authentication, and it
// is not part of the API (not in the OpenAPI document). Every answer carries
// a strict Content-Security-Policy (no inline script or style, same-origin
// fetches only, no framing); an unknown asset is the usual JSON 404.
import { ApiError } from '../../core/errors.js';
import { canonicalizeTarget } from '../../core/request-target.js';
import type { Exchange } from '../http/exchange.js';
import type { DashboardAsset, DashboardAssets } from './assets.js';

export const DASHBOARD_PATH = '/dashboard';

export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; '),
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // Revalidated on every load (a cheap 304): a new release is never mixed with a cached old module.
  'cache-control': 'no-cache',
});

const ALLOWED = ['GET', 'HEAD'];

/**
 * The dashboard path a raw request target names, or undefined when it is not
 * one. The page's own `/dashboard/` is taken as written (the API's target rules
 * refuse its empty last segment); anything else under /dashboard must pass
 * them (core/request-target.ts: no dot segments, no encoded slashes, ...).
 */
export function dashboardPathOf(rawTarget: string | undefined): string | undefined {
  const raw = (rawTarget ?? '').split('?', 1)[0];
  if (raw === `${DASHBOARD_PATH}/`) return DASHBOARD_PATH;
  if (raw !== DASHBOARD_PATH && !raw?.startsWith(`${DASHBOARD_PATH}/`)) return undefined;
  const target = canonicalizeTarget(rawTarget);
  if (!target.ok) throw new ApiError('invalid_request_target', `The request target was refused: ${target.reason}.`);
  return target.target.path;
}

/** The asset a dashboard path names: the page for /dashboard and /dashboard/, else the one file name after the slash. */
function assetName(path: string): string {
  return path === DASHBOARD_PATH ? 'index.html' : path.slice(DASHBOARD_PATH.length + 1);
}

function send(exchange: Exchange, asset: DashboardAsset): void {
  const { req, res } = exchange;
  const headers = { ...DASHBOARD_SECURITY_HEADERS, 'content-type': asset.contentType, etag: asset.etag };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': asset.body.length });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}

/** Answer a dashboard path (from dashboardPathOf), or throw the problem to send. */
export function serveDashboard(exchange: Exchange, assets: DashboardAssets, path: string): void {
  const method = exchange.req.method ?? '';
  exchange.routeTemplate = `${DASHBOARD_PATH}/{asset}`;
  if (!ALLOWED.includes(method)) {
    throw new ApiError('method_not_allowed', `${method} is not supported here; use ${ALLOWED.join(' or ')}.`, {
      headers: { allow: ALLOWED.join(', ') },
    });
  }
  // A nested path (`a/b`) names no asset: the map holds plain file names only.
  const asset = assets.get(assetName(path));
  if (asset === undefined) throw new ApiError('route_not_found', 'No such endpoint.');
  send(exchange, asset);
}
