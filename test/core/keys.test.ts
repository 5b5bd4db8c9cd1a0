// Key format, generation and hashing: the contract both planes rely on.
import { createHash } from 'node:crypto';
import t from 'tap';
import { FAMILIES, generateKey, hashKey, isWellFormedKey, keyPrefixOf, type KeyFamily } from '../../core/keys.js';

const HEX32 = '0123456789abcdef0123456789abcdef';
const FAMILY_LIST: KeyFamily[] = ['org', 'partner'];

t.test('generateKey: family prefix and 32 lowercase hex characters, never repeated', async (t) => {
  const PATTERNS: Record<KeyFamily, RegExp> = { org: /^bsk_live_[0-9a-f]{32}$/, partner: /^pk_live_[0-9a-f]{32}$/ };
  for (const family of FAMILY_LIST) {
    const keys = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const key = generateKey(family);
      if (!PATTERNS[family].test(key)) t.fail(`${family} key ${i} has the wrong format`);
      if (!isWellFormedKey(key, family)) t.fail(`${family} key ${i} is not well-formed`);
      keys.add(key);
    }
    t.equal(keys.size, 200, `${family}: 200 distinct keys in the expected format`);
  }
});

t.test('hashKey is SHA-256 of the whole key, lowercase hex', async (t) => {
  // Known vector, independent of node:crypto.
  t.equal(hashKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'FIPS 180-2 test vector');
  const key = `bsk_live_${HEX32}`;
  t.equal(hashKey(key), createHash('sha256').update(key, 'utf8').digest('hex'));
  t.match(hashKey(key), /^[0-9a-f]{64}$/);
  t.not(hashKey(key), hashKey(`pk_live_${HEX32}`), 'the prefix is part of the hash');
});

t.test('keyPrefixOf: family prefix plus the first 4 random characters', async (t) => {
  t.equal(keyPrefixOf(`bsk_live_${HEX32}`, 'org'), 'bsk_live_0123');
  t.equal(keyPrefixOf(`pk_live_${HEX32}`, 'partner'), 'pk_live_0123');
  for (const family of FAMILY_LIST) {
    const key = generateKey(family);
    t.equal(keyPrefixOf(key, family), key.slice(0, FAMILIES[family].prefix.length + 4), `${family}: generated key`);
  }
});

t.test('isWellFormedKey', async (t) => {
  const CASES: [label: string, value: string, family: KeyFamily, expected: boolean][] = [
    ['org key', `bsk_live_${HEX32}`, 'org', true],
    ['partner key', `pk_live_${HEX32}`, 'partner', true],
    ['partner key checked as org', `pk_live_${HEX32}`, 'org', false],
    ['org key checked as partner', `bsk_live_${HEX32}`, 'partner', false],
    ['one hex character short', `bsk_live_${HEX32.slice(1)}`, 'org', false],
    ['one hex character long', `bsk_live_${HEX32}0`, 'org', false],
    ['upper-case hex', `bsk_live_${HEX32.toUpperCase()}`, 'org', false],
    ['one upper-case hex character', `bsk_live_${HEX32.slice(0, 31)}F`, 'org', false],
    ['non-hex character', `bsk_live_${HEX32.slice(0, 31)}g`, 'org', false],
    ['upper-case prefix', `BSK_LIVE_${HEX32}`, 'org', false],
    ['test-mode prefix', `bsk_test_${HEX32}`, 'org', false],
    ['leading space', ` bsk_live_${HEX32.slice(1)}`, 'org', false],
    ['trailing space', `bsk_live_${HEX32.slice(1)} `, 'org', false],
    ['inner space', `bsk_live_${HEX32.slice(0, 16)} ${HEX32.slice(17)}`, 'org', false],
    ['trailing newline', `pk_live_${HEX32.slice(1)}\n`, 'partner', false],
    ['NUL inside', `pk_live_${HEX32.slice(1)}\u0000`, 'partner', false],
    ['non-ASCII digit', `pk_live_${HEX32.slice(1)}\u0661`, 'partner', false],
    ['prefix only', 'bsk_live_', 'org', false],
    ['empty', '', 'org', false],
    ['Bearer scheme', `Bearer bsk_live_${HEX32}`, 'org', false],
  ];
  for (const [label, value, family, expected] of CASES) {
    t.equal(isWellFormedKey(value, family), expected, label);
  }
});
