// The admin plane's metrics: its own requests by route template and status
// class, and the keys it holds by family and status. Bounded labels only.
import { join } from 'node:path';
import t from 'tap';
import { call } from '../helpers/http.js';
import { createTestKey } from '../helpers/keys.js';
import { startSplitAdmin, tempDir } from '../helpers/split.js';

t.test('admin metrics after traffic', async (t) => {
  const admin = await startSplitAdmin(t, join(tempDir(t, 'bullseye-admin-metrics'), 'bullseye.db'));
  const owner = createTestKey(admin.plane.store, { org: 'acme', scopes: ['admin'] });
  const doomed = createTestKey(admin.plane.store, { org: 'acme', scopes: ['read'] });
  createTestKey(admin.plane.store, { partner: 'p-1', scopes: ['read'] });
  await call(admin.adminUrl, 'GET', '/api/v1/organization/acme/api-keys', { headers: owner.headers });
  await call(admin.adminUrl, 'DELETE', `/api/v1/organization/acme/api-keys/${doomed.id}`, { headers: owner.headers });
  await call(admin.adminUrl, 'GET', '/api/v1/organization/acme/api-keys');
  await call(admin.adminUrl, 'GET', '/nowhere/acme');

  const text = await admin.plane.metrics.metrics();
  const route = '/api/v1/organization/{organization_id}/api-keys';
  t.match(text, `bullseye_admin_requests_total{route="${route}",method="GET",status_class="2xx"} 1`);
  t.match(text, `bullseye_admin_requests_total{route="${route}",method="GET",status_class="4xx"} 1`);
  t.match(text, `bullseye_admin_requests_total{route="${route}/{keyId}",method="DELETE",status_class="2xx"} 1`);
  t.match(text, 'bullseye_admin_requests_total{route="unmatched",method="GET",status_class="4xx"} 1');
  t.match(text, 'bullseye_admin_keys{family="org",status="active"} 1');
  t.match(text, 'bullseye_admin_keys{family="org",status="revoked"} 1');
  t.match(text, 'bullseye_admin_keys{family="partner",status="active"} 1');
  t.match(text, 'bullseye_admin_keys{family="partner",status="revoked"} 0');
  t.match(text, /bullseye_admin_process_resident_memory_bytes \d+/);
  t.notMatch(text, /nowhere/, 'no raw path in a label');
  t.notOk(text.includes(doomed.id), 'no key id in a label');
});
