// Every spelling of a claim, in one place. A header here either names
// something only the gateway may state (an identity, a hop, the client
// address, the path actually served) and is stripped before forwarding, or
// asks an upstream to treat the request as another method and is refused.
// Names are compared as `fieldKey` spells them: lower case, `_` read as `-`,
// because CGI-style servers (PHP, Rack, WSGI) expose `X_Api_Key` and
// `X-API-Key` under the same `HTTP_X_API_KEY` variable. The screen
// (pipeline/screen-request.ts) and the stripper (forward-headers.ts) both
// read these lists; nothing else may keep its own copy.
import { FAMILIES } from '../../core/keys.js';

/** A header name as upstream frameworks compare it: lower case, `_` read as `-`. */
export function fieldKey(name: string): string {
  const lower = name.toLowerCase();
  return lower.includes('_') ? lower.replaceAll('_', '-') : lower;
}

/** The credential headers (`x-api-key`, `x-partner-api-key`), from the key families. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(Object.values(FAMILIES).map((spec) => spec.header));

/**
 * Method overrides: refused (400 invalid_header), never stripped, because the client meant
 * another method than the one authorized. The set named by Express's method-override and
 * honoured by default in several frameworks.
 */
export const METHOD_OVERRIDE_HEADERS: ReadonlySet<string> = new Set([
  // Google/GData convention; Symfony and Laravel (on POST), ASP.NET Core's HttpMethodOverride
  // middleware, Rack::MethodOverride, Express method-override's default.
  'x-http-method-override',
  // Microsoft (OData, SharePoint REST).
  'x-http-method',
  // IBM convention; Express method-override when configured.
  'x-method-override',
]);

/**
 * The query-parameter override, refused by the screen: Laravel and Symfony (with
 * httpMethodParameterOverride) read `_method` from the query, Express's method-override('_method')
 * too. PHP turns a `.`, a space or a `[` in a parameter name into `_`, so `.method`, `+method` and
 * `[method` are the same parameter there; the screen compares with the leading `_` standing for
 * any of those separators.
 */
export const METHOD_OVERRIDE_PARAM = '_method';

/** Prefixes only the gateway writes: every header under them is the gateway's (each starts with `x-`, see isClaimHeader). */
export const CLAIM_PREFIXES: readonly string[] = ['x-bullseye-', 'x-forwarded-'];
if (!CLAIM_PREFIXES.every((prefix) => prefix.startsWith('x-'))) throw new Error('isClaimHeader assumes every claim prefix starts with x-');

/** Headers a client could use to claim an identity, a hop, an address or a path it does not own: stripped. */
export const CLAIM_HEADERS: ReadonlySet<string> = new Set([
  // Identity and hop headers the gateway sets itself (RFC 7239 Forwarded; nginx's X-Real-IP; the request id).
  'forwarded',
  'x-real-ip',
  'x-request-id',
  // Path overrides: make the upstream serve another path than the one authorized. Symfony and Zend
  // Framework read X-Original-URL and X-Rewrite-URL (IIS URL Rewrite) until their 2018 fixes
  // (CVE-2018-14773, ZF2018-01), and apps built on that code still do; nginx auth_request setups pass
  // X-Original-URI; Envoy sets X-Envoy-Original-Path after a rewrite; X-Original-Path, X-Override-URL,
  // X-HTTP-DestinationURL and X-Proxy-URL are read by assorted frameworks and appear in WAF-bypass
  // lists; Spring's ForwardedHeaderFilter and ASP.NET Core's ForwardedHeaders read X-Forwarded-Prefix,
  // Traefik's ForwardAuth sends X-Forwarded-Uri (those two are also caught by the x-forwarded- prefix).
  'x-original-url',
  'x-rewrite-url',
  'x-original-uri',
  'x-envoy-original-path',
  'x-original-path',
  'x-override-url',
  'x-http-destinationurl',
  'x-proxy-url',
  'x-forwarded-prefix',
  'x-forwarded-uri',
  // Client-address claims: CDN, platform and load-balancer conventions (Akamai and Cloudflare
  // True-Client-IP; Cloudflare CF-Connecting-IP, CF-Connecting-IPv6, CF-Pseudo-IPv4; Fastly-Client-IP;
  // Fly-Client-IP; Azure X-Azure-ClientIP and X-Azure-SocketIP; Google App Engine X-AppEngine-User-IP;
  // Rackspace/Riverbed X-Cluster-Client-IP; WebLogic WL-Proxy-Client-IP and Proxy-Client-IP), Rails'
  // RemoteIp (Client-IP), the npm request-ip module (X-Client-IP, X-Forwarded, Forwarded-For and most of
  // the above), Microsoft's X-Originating-IP, ingress-nginx's X-Original-Forwarded-For, and
  // X-Remote-IP/X-Remote-Addr from PHP snippets and WAF-bypass lists. Rate limits, audit logs and
  // allow-lists upstream key on whichever of these they trust.
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'cf-connecting-ipv6',
  'cf-pseudo-ipv4',
  'fastly-client-ip',
  'fly-client-ip',
  'x-azure-clientip',
  'x-azure-socketip',
  'x-appengine-user-ip',
  'x-cluster-client-ip',
  'wl-proxy-client-ip',
  'proxy-client-ip',
  'client-ip',
  'x-forwarded',
  'forwarded-for',
  'x-original-forwarded-for',
  'x-originating-ip',
  'x-remote-ip',
  'x-remote-addr',
  // Host claims: the upstream learns the client's host from X-Forwarded-Host, which the gateway sets;
  // X-Host, X-Original-Host (set by Azure Application Gateway) and X-HTTP-Host-Override are read by
  // some frameworks and caches as the host to build URLs with.
  'x-host',
  'x-original-host',
  'x-http-host-override',
]);

/** True when `key` (a `fieldKey`) is a claim the upstream must not receive from the client. */
export function isClaimHeader(key: string): boolean {
  if (CLAIM_HEADERS.has(key)) return true;
  // Every prefix starts with `x-`: most headers are decided by one character.
  if (key.charCodeAt(0) !== 0x78 || key.charCodeAt(1) !== 0x2d) return false;
  for (let i = 0; i < CLAIM_PREFIXES.length; i++) if (key.startsWith(CLAIM_PREFIXES[i] as string)) return true;
  return false;
}
