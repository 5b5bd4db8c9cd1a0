// POST .../api-keys/{keyId}/rotate: issue a successor to one of the owner's
// keys (its scopes, expiry and allowlist; its name unless given) and let the
// rotated key live on for the grace period only (0: revoked at once), in one
// store transaction. 201 {apiKey, plainKey, previousKey}: the plain key of the
// successor appears in this answer only. A key can rotate itself: it keeps
// working until the grace ends.
import { ApiError } from '../core/errors.js';
import { missingScopes } from '../core/scopes.js';
import { actorOf, KEY_NOT_FOUND, ownedKey, scopeEscalation, type KeyHandler } from './key-handlers.js';
import { toApiKeyJson } from './key-json.js';

const INACTIVE = {
  revoked: 'The key is revoked; only an active key can be rotated.',
  expired: 'The key has expired; only an active key can be rotated.',
} as const;

export const rotateKey: KeyHandler = (call) => {
  const { store, clock, caller, owner, body, bodyChecks } = call;
  const request = bodyChecks.rotate(body, owner.family, clock.now());
  if (!request.ok) throw new ApiError('invalid_body', request.problem);
  const key = ownedKey(call);
  // The successor holds the rotated key's scopes and its plain key is answered: rotating is granting them.
  const missing = missingScopes(caller.scopes, key.scopes);
  if (missing.length > 0) throw scopeEscalation(caller, 'rotate a key with', missing);
  const rotated = store.rotateKey(key.id, owner, { graceMs: request.value.graceMs, name: request.value.name, actor: actorOf(call) });
  if (!rotated.ok) {
    if (rotated.reason === 'not_found') throw KEY_NOT_FOUND(); // gone since it was read (another process)
    throw new ApiError('key_inactive', INACTIVE[rotated.reason]);
  }
  return {
    status: 201,
    body: { apiKey: toApiKeyJson(rotated.key), plainKey: rotated.plainKey, previousKey: toApiKeyJson(rotated.previousKey) },
  };
};
