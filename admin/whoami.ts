// GET /api/v1/organization/whoami and /api/v1/partner/whoami: the calling key
// as the key endpoints show it, and its owner (an organization's agency flag
// tells whether agency scopes apply). The route has no owner in its path: the
// owner is the caller's own, so there is no other tenant to reach. The
// dashboard reads this to learn whose keys it shows and what it may offer.
import { KEY_NOT_FOUND, type KeyHandler } from './key-handlers.js';
import { toApiKeyJson } from './key-json.js';

export const whoami: KeyHandler = ({ store, caller }) => {
  const key = store.getKey(caller.id);
  // Only reachable if the key vanished since it authenticated (keys are never deleted).
  if (key === undefined) throw KEY_NOT_FOUND();
  const apiKey = toApiKeyJson(key);
  if (key.family === 'partner') return { status: 200, body: { apiKey, partner: { id: key.ownerId } } };
  return { status: 200, body: { apiKey, organization: { id: key.ownerId, agency: store.getOrganization(key.ownerId)?.agency === true } } };
};
