// The key operations behind the admin API, for either family: list, create
// and revoke here, rotate and update in admin/rotate-key.ts and
// admin/update-key.ts, which share this file's call shape and answers. They
// run after the caller is authenticated and authorized for `owner` (the
// server does that), and return what to answer; failures are thrown ApiErrors.
import type { KeyAuthRecord } from '../core/key-record.js';
import type { Clock } from '../core/clock.js';
import { ApiError } from '../core/errors.js';
import { hasAgencyScope, missingScopes } from '../core/scopes.js';
import { compileCreateKeyBodyCheck, type CreateKeyBodyCheck } from './create-key-body.js';
import { compileRotateKeyBodyCheck, type RotateKeyBodyCheck } from './rotate-key-body.js';
import { compileUpdateKeyBodyCheck, type UpdateKeyBodyCheck } from './update-key-body.js';
import { toApiKeyJson } from './key-json.js';
import type { Actor } from './store/audit-log.js';
import type { KeyOwner, KeyStore } from './store/key-store.js';
import type { ApiKeyRow } from './store/rows.js';
import { normalizeKeyId } from './validation.js';

export interface KeyCall {
  readonly store: KeyStore;
  readonly clock: Clock;
  /** The authenticated key making the call. */
  readonly caller: KeyAuthRecord;
  /** Whose keys are listed, created, revoked, rotated or updated. */
  readonly owner: KeyOwner;
  readonly params: Readonly<Record<string, string>>;
  /** The canonical target's query with its leading `?`, or ''; only routes that document parameters read it. */
  readonly query: string;
  readonly body: unknown;
  /** The socket's remote address, for the audit log (not a forwarded header: nothing a client claims). */
  readonly clientAddress: string | null;
  /** The body validators, compiled once by the server from the published schemas. */
  readonly bodyChecks: KeyBodyChecks;
}

export interface KeyBodyChecks {
  readonly create: CreateKeyBodyCheck;
  readonly rotate: RotateKeyBodyCheck;
  readonly update: UpdateKeyBodyCheck;
}

/** Compile every key body's check from the schemas the OpenAPI document publishes (a server does, once). */
export const compileKeyBodyChecks = (): KeyBodyChecks => ({
  create: compileCreateKeyBodyCheck(),
  rotate: compileRotateKeyBodyCheck(),
  update: compileUpdateKeyBodyCheck(),
});

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

export type KeyHandler = (call: KeyCall) => Reply;

export const AGENCY_ONLY = (organizationId: string): ApiError =>
  new ApiError('invalid_body', `Agency scopes are only available to agency organizations; ${organizationId} is not one.`);

export const KEY_NOT_FOUND = (): ApiError => new ApiError('not_found', 'There is no API key with that id.');

/** 403 for scopes the caller does not hold; `what` completes "A key cannot ...". */
export const scopeEscalation = (caller: KeyAuthRecord, what: string, missing: readonly string[]): ApiError =>
  new ApiError('scope_escalation', `A key cannot ${what} scopes it does not hold: ${missing.join(', ')}.`, {
    extensions: { missingScopes: missing },
    context: { keyId: caller.id },
  });

/** Who the audit log names for a change made by this call. */
export const actorOf = ({ caller, clientAddress }: KeyCall): Actor => ({ id: `key_${caller.id}`, address: clientAddress });

/** The key {keyId} names, if `owner`'s. Not a UUID, unknown, or someone else's: one answer, so nothing is learned. */
export function ownedKey({ store, owner, params }: KeyCall): ApiKeyRow {
  const keyId = normalizeKeyId(params.keyId ?? '');
  const key = keyId === undefined ? undefined : store.getKey(keyId);
  if (key === undefined || key.family !== owner.family || key.ownerId !== owner.ownerId) throw KEY_NOT_FOUND();
  return key;
}

export const listKeys: KeyHandler = ({ store, owner }) => ({
  status: 200,
  body: { apiKeys: store.listKeys(owner).map(toApiKeyJson) },
});

export const createKey: KeyHandler = ({ store, clock, caller, owner, body, clientAddress, bodyChecks }) => {
  const request = bodyChecks.create(body, owner.family, clock.now());
  if (!request.ok) throw new ApiError('invalid_body', request.problem);
  const { name, scopes, expiresAt, allowedIps, rateLimits, quota } = request.value;
  if (owner.family === 'org' && hasAgencyScope(scopes) && !store.getOrganization(owner.ownerId)?.agency) {
    throw AGENCY_ONLY(owner.ownerId);
  }
  const missing = missingScopes(caller.scopes, scopes);
  if (missing.length > 0) throw scopeEscalation(caller, 'grant', missing);
  const created = store.createKey({
    ...owner,
    name,
    scopes,
    expiresAt,
    allowedIps,
    rateLimits,
    quota,
    createdBy: `key_${caller.id}`,
    clientAddress,
  });
  if (!created.ok) {
    // Only reachable if the organization changed between the checks above and the write.
    if (created.reason === 'agency_scopes_not_allowed') throw AGENCY_ONLY(owner.ownerId);
    throw new ApiError('not_found', 'The organization does not exist.');
  }
  return { status: 201, body: { apiKey: toApiKeyJson(created.key), plainKey: created.plainKey } };
};

export const revokeKey: KeyHandler = ({ store, caller, owner, params, clientAddress }) => {
  // Not a UUID, unknown, or someone else's: one answer, so nothing is learned.
  const keyId = normalizeKeyId(params.keyId ?? '');
  const actor = { id: `key_${caller.id}`, address: clientAddress };
  if (keyId === undefined || store.revokeKey(keyId, owner, actor) === 'not_found') throw KEY_NOT_FOUND();
  return { status: 204 };
};
