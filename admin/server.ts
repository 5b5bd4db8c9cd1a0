// The public admin service. Every request goes through the same steps, in
// the gateway's order ("cheap rejection first"): canonical target, route,
// path parameters, credential, key, access, body, handler. The admin checks
// keys itself with the gateway's own authentication step (core/authenticate-caller.ts:
// the same failed-authentication guard) and core/auth.ts's authorization, so it
// is safe even when reached directly. A call is a use of its key only once it
// is authorized, as at the gateway.
// Public routes (the OpenAPI document) stop after routing: no key is read.
import type { Clock } from '../core/clock.js';
import { authorize } from '../core/auth.js';
import { authenticateCaller, type CallerAuthenticationDeps, type FailedAuthenticationGuard } from '../core/authenticate-caller.js';
import { ApiError } from '../core/errors.js';
import type { LastUsedSink } from '../core/activity-batcher.js';
import type { Logger } from '../core/logger.js';
import { clientAddressResolver } from '../core/request-client.js';
import { canonicalizeTarget } from '../core/request-target.js';
import { ADMIN_BODY_LIMIT, readJsonBody } from './http/body.js';
import { sendEmpty, sendJson, serveExchanges, type Exchange } from './http/exchange.js';
import type { AdminMetrics } from './metrics.js';
import { createHttpService, type HttpService } from './http/service.js';
import { compileKeyBodyChecks, type Reply } from './key-handlers.js';
import { ADMIN_ROUTES, allowedMethods, compileAdminRoutes } from './routes.js';
import { buildOpenApiDocument } from './openapi/document.js';
import { loadDashboardAssets } from './dashboard/assets.js';
import { dashboardPathOf, serveDashboard } from './dashboard/serve.js';
import type { KeyOwner, KeyStore } from './store/key-store.js';
import { isValidOwnerId, OWNER_ID_RULE } from './validation.js';
import { isStoreFailure, StoreUnavailableError } from './store/writability.js';

/** How long a client is asked to wait after a store failure: about one readiness probe period. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * The database failing under us (read-only, full, I/O errors, a lock held too
 * long) is our environment, not a bug: 503 with a stable code, and nothing
 * about the file in the answer (the store logs the cause once, with the path).
 */
function storeUnavailable(err: unknown): ApiError | undefined {
  if (!(err instanceof StoreUnavailableError) && !isStoreFailure(err)) return undefined;
  return new ApiError('store_unavailable', 'The key store cannot be written or read right now; retry later.', {
    headers: { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) },
    context: { sqliteCode: err instanceof StoreUnavailableError ? err.sqliteCode : err.code },
    cause: err,
  });
}

export interface AdminServerDeps {
  store: KeyStore;
  clock: Clock;
  logger: Logger;
  /** Where authorized calls are noted; flushed to the store off the request path. */
  lastUsed: LastUsedSink;
  /** Failed authentications per client address (the rateLimit.authFailures setting), this service's own. */
  authFailures: FailedAuthenticationGuard;
  /**
   * server.trustedProxies (normalized): from one of these peers X-Forwarded-For names the client,
   * for the key's allowlist, the guard and the audit log. Default none: the peer is the client.
   */
  trustedProxies?: readonly string[];
  metrics?: Pick<AdminMetrics, 'observe'>;
}

/** close() drains as the gateway does (core/graceful-close.ts) and returns the same promise if called again. */
export type AdminServer = HttpService;

export function createAdminServer({
  store,
  clock,
  logger,
  lastUsed,
  authFailures,
  trustedProxies = [],
  metrics,
}: AdminServerDeps): AdminServer {
  const routes = compileAdminRoutes();
  const callerAuthentication: CallerAuthenticationDeps = { keys: store, clock, authFailures, logger };
  const clientAddressOf = clientAddressResolver(trustedProxies);
  // Built once, from the routes this server serves: the document at
  // /openapi.json, and the body validators compiled from the schemas it publishes.
  const openApiDocument = buildOpenApiDocument(ADMIN_ROUTES);
  const bodyChecks = compileKeyBodyChecks();
  // The dashboard's static files (admin/dashboard/), read once.
  const dashboardAssets = loadDashboardAssets();

  async function handle(exchange: Exchange): Promise<void> {
    try {
      await handleRoute(exchange);
    } catch (err) {
      throw storeUnavailable(err) ?? err;
    }
  }

  async function handleRoute(exchange: Exchange): Promise<void> {
    const { req } = exchange;
    const dashboardPath = dashboardPathOf(req.url);
    if (dashboardPath !== undefined) return serveDashboard(exchange, dashboardAssets, dashboardPath);
    const target = canonicalizeTarget(req.url);
    if (!target.ok) throw new ApiError('invalid_request_target', `The request target was refused: ${target.reason}.`);
    const method = req.method ?? '';
    const match = routes.match(method, target.target.path);
    if (!match) throw noRoute(target.target.path, method);
    const route = match.value;
    exchange.routeTemplate = route.pattern;
    if (route.kind === 'public') {
      send(exchange, route.handle({ openApiDocument }));
      return;
    }

    const organizationId = match.params.organization_id;
    if (organizationId !== undefined && !isValidOwnerId(organizationId)) {
      throw new ApiError('invalid_parameter', `organization_id must be ${OWNER_ID_RULE}.`);
    }

    // Only the header of the route's family is read: a key in the other one is no key (401 missing_key).
    // The key's allowlist is checked there too; exchange.key is set before it and before authorization,
    // so the access log of a 403 names the key refused.
    const clientAddress = clientAddressOf(req);
    const caller = authenticateCaller(req.rawHeaders, clientAddress, callerAuthentication, route.family, exchange);
    const denied = authorize(caller, { scope: route.scope, organizationId });
    if (denied) throw denied;
    // Only now a use, as at the gateway: a refused call does not make a key look in use.
    lastUsed.touch(caller.id, clock.now());

    const owner: KeyOwner = { family: route.family, ownerId: organizationId ?? caller.ownerId };
    const body = route.readsBody ? await readJsonBody(req, ADMIN_BODY_LIMIT) : undefined;
    send(
      exchange,
      route.handle({
        store,
        clock,
        caller,
        owner,
        params: match.params,
        query: target.target.query,
        body,
        clientAddress: clientAddress ?? null,
        bodyChecks,
      }),
    );
  }

  function send(exchange: Exchange, reply: Reply): void {
    if (reply.body === undefined) sendEmpty(exchange, reply.status);
    else sendJson(exchange, reply.status, reply.body);
  }

  function noRoute(path: string, method: string): ApiError {
    const allowed = allowedMethods(routes, path);
    if (allowed.length === 0) return new ApiError('route_not_found', 'No such endpoint.');
    return new ApiError('method_not_allowed', `${method} is not supported here; use ${allowed.join(' or ')}.`, {
      headers: { allow: allowed.join(', ') },
    });
  }

  const service = createHttpService(
    // serveExchanges answers a handler's rejection through sendError.
    serveExchanges(handle, logger, metrics && ((exchange, status) => metrics.observe(exchange.routeTemplate, exchange.method, status))),
  );
  return service;
}
