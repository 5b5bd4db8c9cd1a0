// An audit event as `audit list` prints it: camelCase, ISO 8601 UTC times,
// `organizationId` or `partnerId` by family, as the key object has them.
import type { AuditEvent } from './store/audit-log.js';
import { isoTime } from './key-json.js';

export interface AuditEventJson {
  id: number;
  at: string;
  actor: string;
  clientAddress: string | null;
  action: AuditEvent['action'];
  keyId: string;
  organizationId?: string;
  partnerId?: string;
  keyPrefix: string;
  /** The new key's scopes for key.created and key.rotated (the successor's); null otherwise. */
  scopes: string[] | null;
  /**
   * key.created: {rateLimits?, quota?} when the key has its own limits; key.rotated: {previousKeyId,
   * gracePeriodSeconds}; key.updated: {fields, rateLimits?, quota?}; null otherwise.
   */
  details: AuditEvent['details'];
}

export const toAuditEventJson = (event: AuditEvent): AuditEventJson => ({
  id: event.id,
  at: isoTime(event.at),
  actor: event.actor,
  clientAddress: event.clientAddress,
  action: event.action,
  keyId: event.keyId,
  ...(event.family === 'org' ? { organizationId: event.ownerId } : { partnerId: event.ownerId }),
  keyPrefix: event.keyPrefix,
  scopes: event.scopes === null ? null : [...event.scopes],
  details: event.details,
});
