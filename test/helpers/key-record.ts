// A whole key record for tests that build one by hand (the replica, the feed
// parser, authentication, forwarding): one default per field, so a field added
// to KeyAuthRecord is added here once, not in every such test.
import type { KeyAuthRecord } from '../../core/key-record.js';

export function keyRecord(overrides: Partial<KeyAuthRecord> = {}): KeyAuthRecord {
  return {
    id: '6f1c1c4e-7d7b-4a53-9b8e-0d1f2a3b4c5d',
    family: 'org',
    ownerId: 'acme',
    hash: 'ab'.repeat(32),
    scopes: ['read'],
    status: 'active',
    expiresAt: null,
    seq: 1,
    allowedIps: null,
    rateLimits: null,
    quota: null,
    ...overrides,
  };
}
