// Hot reload: a good edit takes effect without a restart or a dropped
// request; a bad edit is logged and the last good policy stays in force.
import t from 'tap';
import { startGatewayStack, TEST_POLICY } from '../helpers/gateway.js';
import { call } from '../helpers/http.js';

const NEW_ROUTE = '/api/v1/organization/acme/companies';

t.test('policy reload', async (t) => {
  const stack = await startGatewayStack(t);
  const reader = stack.key({ org: 'acme', scopes: ['read'] });
  const get = (path: string) => call(stack.gatewayUrl, 'GET', path, { headers: reader.headers });
  t.equal((await get(NEW_ROUTE)).status, 404, 'not routed yet');

  t.test('a good edit is picked up from the file', async (t) => {
    const reloaded = stack.nextReload();
    stack.writePolicy(`${TEST_POLICY}  GET /api/v1/organization/{organization_id}/companies: read\n`);
    t.equal((await reloaded).applied, true);
    t.equal((await get(NEW_ROUTE)).status, 200, 'the new route is served');
  });

  t.test('a bad edit is refused and the last good policy stays', async (t) => {
    const refused = stack.nextReload();
    stack.writePolicy(`${TEST_POLICY}  GET /api/v1/organization/{organization_id}/companies: raed\n`);
    t.equal((await refused).applied, false);
    t.equal((await get(NEW_ROUTE)).status, 200, 'still served by the previous policy');
    t.match(stack.admin.logs.text(), /policy reload refused/);
    t.match(stack.admin.logs.text(), /unknown scope \\"raed\\"/, 'the log names the problem');
    const ready = await call(stack.opsUrl, 'GET', '/readyz');
    t.equal(ready.status, 200, 'still ready: the last good policy serves');
    t.equal(ready.json?.checks?.policyFile, 'invalid', '/readyz says the file on disk does not load');
    t.equal(ready.json?.checks?.policyFileProblems, 1);
  });

  t.test('reverting the bad edit: the file loads again', async (t) => {
    // The same content as the policy in force: nothing to apply, but the file is known good again.
    stack.writePolicy(`${TEST_POLICY}  GET /api/v1/organization/{organization_id}/companies: read\n`);
    t.equal(stack.plane.reloadPolicy(), false, 'unchanged');
    const ready = await call(stack.opsUrl, 'GET', '/readyz');
    t.equal(ready.json?.checks?.policyFile, 'ok');
    t.equal(ready.json?.checks?.policyFileProblems, 0);
  });

  t.test('reloading under load drops no request', async (t) => {
    let stop = false;
    const statuses: number[] = [];
    const load = (async () => {
      while (!stop) statuses.push((await get('/api/v1/organization/acme/visitors')).status);
    })();
    for (let i = 0; i < 10; i++) {
      const reloaded = stack.nextReload();
      stack.writePolicy(`${TEST_POLICY}  GET /api/v1/organization/{organization_id}/reload-${i}: read\n`);
      t.equal((await reloaded).applied, true, `reload ${i}`);
    }
    stop = true;
    await load;
    t.ok(statuses.length > 0, 'requests ran during the reloads');
    t.same([...new Set(statuses)], [200], 'every request answered 200');
  });

  t.test('reloadPolicy (SIGHUP) re-reads the file now', async (t) => {
    stack.writePolicy(TEST_POLICY);
    await stack.nextReload();
    t.equal(stack.plane.reloadPolicy(), false, 'unchanged content: nothing to apply');
    t.equal((await get(NEW_ROUTE)).status, 404, 'the route is gone with the edit');
  });
});
