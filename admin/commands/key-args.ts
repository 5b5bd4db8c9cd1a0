// What the commands that act on one key share: the KEY_ID argument, the
// audit actor flag (--revoked-by, --rotated-by, ...; default `cli`, no client
// address), list flags, and the answer to an unknown id.
import { EXIT, stringFlag, type CliIo, type ParsedArgs } from '../../core/cli-kit.js';
import { UsageError } from '../../core/errors.js';
import type { Actor } from '../store/audit-log.js';
import { checkName, normalizeKeyId } from '../validation.js';

export const KEY_ID_ARGUMENT = { min: 1, max: 1, names: ['KEY_ID'] } as const;

/** The key id argument, normalized (a UUID, any case). */
export function keyIdFrom(args: ParsedArgs): string {
  const rawId = args.positionals[0] as string;
  const keyId = normalizeKeyId(rawId);
  if (keyId === undefined) throw new UsageError(`'${rawId.slice(0, 80)}' is not a key id (a UUID)`);
  return keyId;
}

/** The audit actor named by `--<flag>` (default `cli`), checked like a key name. */
export function actorFrom(args: ParsedArgs, flag: string): Actor {
  const id = checkName(stringFlag(args, flag) ?? 'cli');
  if (!id.ok) throw new UsageError(`--${flag}: ${id.problem}`);
  return { id: id.value, address: null };
}

/** `--<flag> a, b` as its entries, each trimmed; undefined when not given. */
export const listFlag = (args: ParsedArgs, flag: string): string[] | undefined =>
  stringFlag(args, flag)
    ?.split(',')
    .map((entry) => entry.trim());

/** Whether a flag that takes no value was given. */
export const switchFlag = (args: ParsedArgs, flag: string): boolean => args.values[flag] === true;

/** At most one of two flags that contradict each other (e.g. --expires-at and --no-expiry). */
export function atMostOneOf(args: ParsedArgs, a: string, b: string): void {
  if (args.values[a] !== undefined && args.values[b] !== undefined) throw new UsageError(`give at most one of --${a} or --${b}`);
}

export function noSuchKey(io: CliIo, keyId: string): number {
  io.stderr(`error: there is no API key with id ${keyId}\n`);
  return EXIT.usage;
}

/** A store refusal of a key that exists (revoked, expired): exit 1 with `message`. */
export function refused(io: CliIo, message: string): number {
  io.stderr(`error: ${message}\n`);
  return EXIT.usage;
}
