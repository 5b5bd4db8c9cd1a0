// PATCH .../api-keys/{keyId}: change a key's name, scopes, expiry,
// allowlist, rate limits or quota. Only fields whose value differs are written
// and audited; a body that changes nothing is 200 with the key as it is. A
// revoked key is not updated (409 key_inactive). The caller can neither grant
// nor remove a scope it does not hold: either would act beyond its own powers.
// Nor can it set the limits of a key holding a scope it does not hold: only a
// caller that could have created the key may decide how much it may do.
import { ApiError } from '../core/errors.js';
import { hasAgencyScope, missingScopes, SCOPES } from '../core/scopes.js';
import { actorOf, AGENCY_ONLY, KEY_NOT_FOUND, ownedKey, scopeEscalation, type KeyHandler } from './key-handlers.js';
import { toApiKeyJson } from './key-json.js';

const REVOKED = (): ApiError => new ApiError('key_inactive', 'The key is revoked; a revoked key cannot be updated.');

export const updateKey: KeyHandler = (call) => {
  const { store, clock, caller, owner, body, bodyChecks } = call;
  const request = bodyChecks.update(body, owner.family, clock.now());
  if (!request.ok) throw new ApiError('invalid_body', request.problem);
  const changes = request.value;
  const key = ownedKey(call);
  if (key.status === 'revoked') throw REVOKED();
  if (changes.scopes !== undefined) {
    const next = changes.scopes;
    if (owner.family === 'org' && hasAgencyScope(next) && !store.getOrganization(owner.ownerId)?.agency) throw AGENCY_ONLY(owner.ownerId);
    // The symmetric difference: scopes granted and scopes removed alike.
    const touched = SCOPES.filter((scope) => next.includes(scope) !== key.scopes.includes(scope));
    const missing = missingScopes(caller.scopes, touched);
    if (missing.length > 0) throw scopeEscalation(caller, 'grant or remove', missing);
  }
  if (changes.rateLimits !== undefined || changes.quota !== undefined) {
    const missing = missingScopes(caller.scopes, key.scopes);
    if (missing.length > 0) throw scopeEscalation(caller, 'change the limits of a key with', missing);
  }
  const updated = store.updateKey(key.id, owner, changes, actorOf(call));
  if (!updated.ok) {
    // Only reachable if the key or its organization changed since it was read (another process).
    if (updated.reason === 'agency_scopes_not_allowed') throw AGENCY_ONLY(owner.ownerId);
    if (updated.reason === 'revoked') throw REVOKED();
    throw KEY_NOT_FOUND();
  }
  return { status: 200, body: { apiKey: toApiKeyJson(updated.key) } };
};
