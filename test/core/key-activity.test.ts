// How a gateway's answer counts for its key's usage, and the hour it falls in.
import t from 'tap';
import { HOUR_MS, hourStartOf, usageOutcomeOf } from '../../core/key-activity.js';

t.test("outcomes by status: the gateway's own 429 is rateLimited, the upstream's a client error", async (t) => {
  const cases: Array<[number, boolean, string | undefined]> = [
    [200, false, 'success'],
    [204, false, 'success'],
    [101, false, 'success'],
    [304, false, 'success'],
    [429, true, 'rateLimited'],
    [429, false, 'clientErrors'],
    [403, true, 'clientErrors'],
    [404, false, 'clientErrors'],
    [499, true, 'clientErrors'],
    [500, false, 'serverErrors'],
    [502, true, 'serverErrors'],
    [503, true, 'serverErrors'],
    [0, false, undefined],
  ];
  for (const [status, byGateway, outcome] of cases) t.equal(usageOutcomeOf(status, byGateway), outcome, `${status} ${byGateway}`);
});

t.test('hours are UTC hours of epoch time', async (t) => {
  const at = Date.UTC(2026, 11, 1, 13, 59, 59, 999);
  t.equal(hourStartOf(at), Date.UTC(2026, 11, 1, 13));
  t.equal(hourStartOf(Date.UTC(2026, 11, 1, 14)), Date.UTC(2026, 11, 1, 14));
  t.equal(hourStartOf(at) % HOUR_MS, 0);
});
