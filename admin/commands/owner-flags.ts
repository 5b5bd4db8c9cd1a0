// `--org ID | --partner ID`: exactly one, validated like the API's path ids.
import { stringFlag, type ParsedArgs } from '../../core/cli-kit.js';
import { UsageError } from '../../core/errors.js';
import type { KeyOwner } from '../store/key-store.js';
import { isValidOwnerId, OWNER_ID_RULE } from '../validation.js';

export const OWNER_OPTIONS = {
  org: { type: 'string' },
  partner: { type: 'string' },
} as const;

export function ownerFromFlags(args: ParsedArgs): KeyOwner {
  const org = stringFlag(args, 'org');
  const partner = stringFlag(args, 'partner');
  if ((org === undefined) === (partner === undefined)) throw new UsageError('give exactly one of --org ID or --partner ID');
  const owner: KeyOwner = org !== undefined ? { family: 'org', ownerId: org } : { family: 'partner', ownerId: partner as string };
  if (!isValidOwnerId(owner.ownerId)) {
    throw new UsageError(`the ${owner.family === 'org' ? 'organization' : 'partner'} id must be ${OWNER_ID_RULE}`);
  }
  return owner;
}
