// authenticateCaller and the family a route accepts: a key in the other family's header is no
// key. It is refused with the prebuilt missing_key naming the header the route reads, before any
// lookup, and like every 401 it spends one of the address' failures. The key directory is an
// in-memory Map that counts its lookups, and the guard a budget of failures (our own interfaces).
import t from 'tap';
import type { AcceptedFamily, KeyDirectory } from '../../core/auth.js';
import { authenticateCaller, type CallerAuthenticationDeps, type FailedAuthenticationGuard } from '../../core/authenticate-caller.js';
import { createManualClock } from '../../core/clock.js';
import { ApiError } from '../../core/errors.js';
import type { KeyAuthRecord } from '../../core/key-record.js';
import { generateKey, hashKey } from '../../core/keys.js';
import { captureLogs } from '../helpers/log-capture.js';
import { keyRecord } from '../helpers/key-record.js';

const ORG_KEY = generateKey('org');
const PARTNER_KEY = generateKey('partner');

function setUp(failureBudget = 100) {
  const records = [
    keyRecord({ id: 'key_org', family: 'org', ownerId: 'acme', hash: hashKey(ORG_KEY) }),
    keyRecord({ id: 'key_partner', family: 'partner', ownerId: 'p-1', hash: hashKey(PARTNER_KEY) }),
  ];
  const byHash = new Map(records.map((record) => [record.hash, record]));
  const lookups: string[] = [];
  const keys: KeyDirectory = {
    findByHash(hash) {
      lookups.push(hash);
      return byHash.get(hash);
    },
  };
  const failures: string[] = [];
  const authFailures: FailedAuthenticationGuard = {
    isBlocked: () => (failures.length >= failureBudget ? { retryAfterSec: 60 } : undefined),
    recordFailure: (address) => failures.push(address) === failureBudget,
  };
  const deps: CallerAuthenticationDeps = { keys, clock: createManualClock(0), authFailures, logger: captureLogs().logger };
  return { deps, lookups, failures };
}

/** What authenticateCaller throws, or the key it returns. */
function outcome(rawHeaders: string[], accepts: AcceptedFamily, deps: CallerAuthenticationDeps): KeyAuthRecord | ApiError {
  try {
    return authenticateCaller(rawHeaders, '192.0.2.1', deps, accepts);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
}

t.test('a key in the other family header is no key, refused before any lookup', async (t) => {
  const CASES: [label: string, rawHeaders: string[], accepts: AcceptedFamily, header: string][] = [
    ['org key, partner route', ['X-API-Key', ORG_KEY], 'partner', 'X-Partner-API-Key'],
    ['partner key, org route', ['X-Partner-API-Key', PARTNER_KEY], 'org', 'X-API-Key'],
    ['unknown org key, partner route', ['X-API-Key', generateKey('org')], 'partner', 'X-Partner-API-Key'],
    ['malformed value in the other header, org route', ['X-Partner-API-Key', 'junk'], 'org', 'X-API-Key'],
    ['no key at all, org route', [], 'org', 'X-API-Key'],
  ];
  for (const [label, rawHeaders, accepts, header] of CASES) {
    const { deps, lookups, failures } = setUp();
    const first = outcome(rawHeaders, accepts, deps);
    t.match(first, { code: 'missing_key', status: 401, message: `This endpoint requires an API key in the ${header} header.` }, label);
    t.equal(outcome(rawHeaders, accepts, deps), first, `${label}: the one prebuilt error, thrown as is`);
    t.same(lookups, [], `${label}: no key was looked up`);
    t.same(failures, ['192.0.2.1', '192.0.2.1'], `${label}: each counts against the address`);
  }
});

t.test('the own family header, or either on a route that accepts any, is looked up', async (t) => {
  const { deps, lookups } = setUp();
  t.match(outcome(['X-API-Key', ORG_KEY], 'org', deps), { id: 'key_org' });
  t.match(outcome(['X-Partner-API-Key', PARTNER_KEY], 'partner', deps), { id: 'key_partner' });
  t.match(outcome(['X-API-Key', ORG_KEY], 'any', deps), { id: 'key_org' });
  t.match(outcome(['X-Partner-API-Key', PARTNER_KEY], 'any', deps), { id: 'key_partner' });
  t.equal(lookups.length, 4, 'one lookup each');
  t.match(outcome([], 'any', deps), {
    code: 'missing_key',
    message: 'This endpoint requires an API key in X-API-Key or X-Partner-API-Key.',
  });
});

t.test('both headers stay ambiguous on a route of one family, and are not a failed authentication', async (t) => {
  const { deps, lookups, failures } = setUp();
  for (const accepts of ['org', 'partner', 'any'] as const) {
    t.match(
      outcome(['X-API-Key', ORG_KEY, 'X-Partner-API-Key', PARTNER_KEY], accepts, deps),
      { code: 'ambiguous_credentials', status: 400 },
      accepts,
    );
  }
  t.same(lookups, []);
  t.same(failures, []);
});

t.test('an address over its budget gets 429 for a key of the other family too', async (t) => {
  const { deps } = setUp(1);
  t.match(outcome(['X-API-Key', ORG_KEY], 'partner', deps), { code: 'missing_key' }, 'the last failure of the budget');
  t.match(outcome(['X-API-Key', ORG_KEY], 'partner', deps), { code: 'too_many_failed_authentications', status: 429 });
  t.match(outcome(['X-Partner-API-Key', PARTNER_KEY], 'partner', deps), { id: 'key_partner' }, 'a valid key from it still passes');
});
