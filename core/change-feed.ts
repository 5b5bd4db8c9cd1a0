// The internal change feed's wire contract, shared by the admin that serves
// it and the gateways that follow it: its paths, its header, and its page,
// which the admin builds as a ChangesPage and a gateway parses back into one
// (parseChangesPage) before anything of it is applied.
import type { KeyAuthRecord } from './key-record.js';
import { isCount, keyRecordProblem } from './key-record.js';

export const CHANGES_PATH = '/internal/v1/keys/changes';
export const LAST_USED_PATH = '/internal/v1/keys/last-used';
/**
 * Sent with a page that has more after it: the `since` of the next page (the
 * body's `nextSince`), ahead of the body, so a follower paging through a
 * backlog asks for the next page while it still reads and applies this one.
 */
export const NEXT_SINCE_HEADER = 'x-bullseye-next-since';

/** The body of a changes response: key records newer than the request's `since`, oldest first. */
export interface ChangesPage {
  readonly records: readonly KeyAuthRecord[];
  /** The `since` of the next request: the last record's seq, or the request's `since` when there is none. */
  readonly nextSince: number;
  /** The store's sequence when the page was read. */
  readonly latestSeq: number;
  /** True while records newer than `nextSince` exist. */
  readonly hasMore: boolean;
}

/** A changes body that is not a ChangesPage: nothing of it may be applied. */
export class InvalidChangesPageError extends Error {
  override readonly name = 'InvalidChangesPageError';
}

const PAGE_MEMBERS = 4;

/**
 * The page a parsed JSON body is, or an InvalidChangesPageError naming the first problem: a page is
 * exactly its four members, each record exactly a key record (core/key-record.ts). The records are
 * the body's own objects, checked, not copied.
 */
export function parseChangesPage(body: unknown): ChangesPage {
  const refuse = (problem: string): never => {
    throw new InvalidChangesPageError(`change feed page refused: ${problem}`);
  };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse('the body is not an object');
  const page = body as Record<string, unknown>;
  if (Object.keys(page).length !== PAGE_MEMBERS) return refuse('the body must have exactly records, nextSince, latestSeq and hasMore');
  const { records, nextSince, latestSeq, hasMore } = page;
  if (!Array.isArray(records)) return refuse('records is not an array');
  if (!isCount(nextSince)) return refuse('nextSince is not a sequence number');
  if (!isCount(latestSeq)) return refuse('latestSeq is not a sequence number');
  if (typeof hasMore !== 'boolean') return refuse('hasMore is not a boolean');
  for (let i = 0; i < records.length; i++) {
    const problem = keyRecordProblem(records[i]);
    if (problem !== undefined) refuse(`records[${i}] ${problem}`);
  }
  return { records: records as KeyAuthRecord[], nextSince, latestSeq, hasMore };
}
