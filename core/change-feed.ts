// The internal change feed's wire contract, shared by the admin that serves
// it and the gateways that follow it.
export const CHANGES_PATH = '/internal/v1/keys/changes';
export const LAST_USED_PATH = '/internal/v1/keys/last-used';
/**
 * Sent with a page that has more after it: the `since` of the next page (the
 * body's `nextSince`), ahead of the body, so a follower paging through a
 * backlog asks for the next page while it still reads and applies this one.
 */
export const NEXT_SINCE_HEADER = 'x-bullseye-next-since';
