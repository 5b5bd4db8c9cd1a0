// Authentication and authorization, shared by the gateway and the admin
// service so both apply one set of rules. Pure functions: they read headers
// and a key directory and return a result; the caller turns failures into
// responses. Order follows "cheap rejection first": header shape and family,
// then key format, then one hash, then one map lookup.
import type { Clock } from './clock.js';
import { ApiError } from './errors.js';
import { FAMILIES, hashKey, isWellFormedKey, type KeyFamily } from './keys.js';
import type { KeyAuthRecord } from './key-record.js';
import { holdsScope, type Scope } from './scopes.js';

/** Where keys are looked up by hash: the gateway's replica, or the admin's store. */
export interface KeyDirectory {
  findByHash(hash: string): KeyAuthRecord | undefined;
}

/** Which key family a route accepts: one family, read from its own header only, or either. */
export type AcceptedFamily = KeyFamily | 'any';

export interface Credential {
  readonly family: KeyFamily;
  readonly plainKey: string;
}

/** SP and HTAB: the only optional whitespace around a field value (RFC 9110 §5.6.3). */
const isOws = (code: number): boolean => code === 0x20 || code === 0x09;

/**
 * The value without its surrounding OWS. Only SP and HTAB: a key wrapped in anything else (NBSP,
 * other Unicode spaces, zero-width characters) is not the key, and a reader that trimmed with
 * String#trim would accept it while an upstream re-checking the key reads it differently. Node
 * already strips OWS around header values, so this usually returns `value` itself after two checks.
 */
function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/**
 * Find the one credential of a request for a route that `accepts` a key family. `rawHeaders` is
 * scanned (not the merged `headers` object) so a header sent twice is seen as such: Node would
 * otherwise join the two values with a comma. Two credentials, or one twice, is ambiguous (400),
 * whatever the route accepts; none is `undefined` (the caller decides whether the route needs one),
 * and so is one in the other family's header: an endpoint authenticates with its own header only,
 * so that value is not checked, let alone hashed. A value not of its header's format, after
 * trimming SP and HTAB only, is 401 malformed_key.
 */
export function readCredential(rawHeaders: readonly string[], accepts: AcceptedFamily): Credential | undefined | ApiError {
  let found: Credential | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    let family: KeyFamily | undefined;
    if (name.length === 9 && name.toLowerCase() === 'x-api-key') family = 'org';
    else if (name.length === 17 && name.toLowerCase() === 'x-partner-api-key') family = 'partner';
    else continue;
    if (found) {
      return new ApiError(
        'ambiguous_credentials',
        found.family === family
          ? `The ${FAMILIES[family].headerName} header was sent more than once.`
          : 'Send either X-API-Key or X-Partner-API-Key, not both.',
      );
    }
    found = { family, plainKey: trimOws(rawHeaders[i + 1] as string) };
  }
  if (found && accepts !== 'any' && found.family !== accepts) return undefined;
  if (found && !isWellFormedKey(found.plainKey, found.family)) {
    const spec = FAMILIES[found.family];
    return new ApiError(
      'malformed_key',
      `The ${spec.headerName} header must hold a key of the form ${spec.prefix} followed by 32 lowercase hex characters.`,
    );
  }
  return found;
}

/** Resolve a well-formed credential to an active, unexpired key, or a 401. */
export function authenticate(credential: Credential, directory: KeyDirectory, clock: Clock): KeyAuthRecord | ApiError {
  const key = directory.findByHash(hashKey(credential.plainKey));
  // The family check guards against a (practically impossible) hash collision across families.
  if (!key || key.family !== credential.family) return new ApiError('invalid_key', 'The API key is not valid.');
  if (key.status !== 'active') {
    return new ApiError('key_revoked', 'The API key has been revoked.', { context: { keyId: key.id } });
  }
  if (key.expiresAt !== null && key.expiresAt <= clock.now()) {
    return new ApiError('key_expired', 'The API key has expired.', { context: { keyId: key.id } });
  }
  return key;
}

export interface AccessRequirement {
  readonly scope: Scope;
  /** The `{organization_id}` of the request, when the route has one. */
  readonly organizationId?: string | undefined;
  /** The `{partner_id}` of the request, when the route has one. */
  readonly partnerId?: string | undefined;
}

/**
 * Ownership, then scope. The family is settled before this (readCredential reads only the header
 * of the family the route accepts). A key asking about another tenant learns only "wrong
 * organization", never whether that tenant exists.
 */
export function authorize(key: KeyAuthRecord, need: AccessRequirement): ApiError | undefined {
  if (need.organizationId !== undefined && (key.family !== 'org' || key.ownerId !== need.organizationId)) {
    return new ApiError('wrong_organization', 'This API key cannot access that organization.', {
      context: { keyId: key.id },
    });
  }
  if (need.partnerId !== undefined && (key.family !== 'partner' || key.ownerId !== need.partnerId)) {
    return new ApiError('wrong_organization', 'This API key cannot access that partner.', {
      context: { keyId: key.id },
    });
  }
  if (!holdsScope(key.scopes, need.scope)) {
    return new ApiError('insufficient_scope', `This endpoint requires the "${need.scope}" scope.`, {
      extensions: { requiredScope: need.scope },
    });
  }
  return undefined;
}
