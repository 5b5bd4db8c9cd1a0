// Who is calling: the one authentication step of both planes, so the gateway
// and the admin read the credential, resolve the key, apply the
// failed-authentication guard and the key's IP allowlist the same way.
// Authorization stays with each caller (it needs the route). Synchronous and
// allocation-free on success: the deps are built once per plane, the
// missing-key answers once here, each allowlist once per key record.
import { authenticate, readCredential, type AcceptedFamily, type KeyDirectory } from './auth.js';
import { clientAddressKey } from './client-address.js';
import type { Clock } from './clock.js';
import { ApiError, isApiError } from './errors.js';
import { compileAllowlist, type AddressMatcher } from './ip-allowlist.js';
import type { KeyAuthRecord } from './key-record.js';
import { FAMILIES } from './keys.js';
import type { Logger } from './logger.js';

const missingKey = (detail: string): ApiError => new ApiError('missing_key', `This endpoint requires an API key in ${detail}.`);
/**
 * The answer to a keyed route called without a key of the family it accepts, naming the header it
 * reads: built once, thrown as is (so it carries nothing request-specific).
 */
const MISSING_KEY: Readonly<Record<AcceptedFamily, ApiError>> = {
  org: missingKey(`the ${FAMILIES.org.headerName} header`),
  partner: missingKey(`the ${FAMILIES.partner.headerName} header`),
  any: missingKey(`${FAMILIES.org.headerName} or ${FAMILIES.partner.headerName}`),
};

/**
 * Failed authentications per client address (the gateway's is gateway/limiter/auth-failure-guard.ts).
 * It only ever answers for failures: a valid key from a blocked address is still authenticated.
 */
export interface FailedAuthenticationGuard {
  /** The wait to answer with when `address` has no failures left, else undefined. Spends nothing. */
  isBlocked(address: string): { readonly retryAfterSec: number } | undefined;
  /** Spend one failure; true when it was the address' last one (the guard trips: log it once). */
  recordFailure(address: string): boolean;
}

export interface CallerAuthenticationDeps {
  keys: KeyDirectory;
  clock: Clock;
  authFailures: FailedAuthenticationGuard;
  logger: Logger;
}

/**
 * Each key's allowlist matcher, by the record's `allowedIps` array: records are frozen and replaced
 * on every change, so a list is compiled once, on its first use, and dropped with its record.
 */
const allowlists = new WeakMap<readonly string[], AddressMatcher>();

function allowlistOf(allowedIps: readonly string[]): AddressMatcher {
  let matcher = allowlists.get(allowedIps);
  if (matcher === undefined) allowlists.set(allowedIps, (matcher = compileAllowlist(allowedIps)));
  return matcher;
}

/**
 * The active, unexpired key of the request, of the family the route `accepts`, or a thrown
 * ApiError: 400 for ambiguous credentials, 401 missing_key when there is none (a key in the other
 * family's header is none: it is never hashed nor looked up), 401 for a bad one, 429
 * too_many_failed_authentications in place of a 401 once the client address is over its budget,
 * or 403 ip_not_allowed for a valid key used from outside its allowlist. That 403 is not a failed
 * authentication (the guard does not count it) and its detail names neither the list nor the
 * address. `clientAddress` is core/request-client.ts' (the peer, or behind a trusted proxy the
 * client it names). `request.key` is set as soon as the key is known, so the access line of an
 * ip_not_allowed names the key refused.
 */
export function authenticateCaller(
  rawHeaders: readonly string[],
  clientAddress: string | undefined,
  deps: CallerAuthenticationDeps,
  accepts: AcceptedFamily,
  request?: { key: KeyAuthRecord | undefined },
): KeyAuthRecord {
  const credential = readCredential(rawHeaders, accepts);
  const key =
    credential === undefined ? MISSING_KEY[accepts] : isApiError(credential) ? credential : authenticate(credential, deps.keys, deps.clock);
  if (isApiError(key)) throw key.status === 401 ? failedAuthentication(clientAddress ?? 'unknown', key, deps) : key;
  if (request) request.key = key;
  // A key without a list pays this one check.
  if (key.allowedIps !== null && (clientAddress === undefined || !allowlistOf(key.allowedIps)(clientAddress))) {
    throw new ApiError('ip_not_allowed', 'This API key may not be used from this client address.', {
      context: { keyId: key.id, clientAddress },
    });
  }
  return key;
}

/**
 * A 401 counts against the client address. An address already over its budget gets the 429
 * instead; a valid key from it was authenticated and passed, so the guard never locks a tenant
 * out for a neighbour behind the same NAT.
 */
function failedAuthentication(address: string, failure: ApiError, deps: CallerAuthenticationDeps): ApiError {
  const blocked = deps.authFailures.isBlocked(address);
  if (blocked) {
    return new ApiError('too_many_failed_authentications', 'Too many failed authentications from this address.', {
      headers: { 'retry-after': String(blocked.retryAfterSec) },
    });
  }
  if (deps.authFailures.recordFailure(address)) {
    deps.logger.warn({ clientAddress: clientAddressKey(address) }, 'failed-authentication guard tripped for an address');
  }
  return failure;
}
