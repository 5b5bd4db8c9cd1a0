// The internal change feed, on its own listener (never the public admin
// port): gateways in split mode page through key records by sequence number
// and then long-poll for the next change; they send activity batches (last-used
// times and usage counts) back.
// Every request needs `Authorization: Bearer <SYNC_TOKEN>`.
import { CHANGES_PATH, LAST_USED_PATH, NEXT_SINCE_HEADER, type ChangesPage } from '../../core/change-feed.js';
import { ApiError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { canonicalizeTarget } from '../../core/request-target.js';
import { RouteTable } from '../../core/route-table.js';
import { readJsonBody } from '../http/body.js';
import { sendEmpty, sendJson, serveExchanges, type Exchange } from '../http/exchange.js';
import { createHttpService, type HttpService } from '../http/service.js';
import type { KeyStore } from '../store/key-store.js';
import { parseActivityBody, parseChangesQuery, type ChangesQuery } from './feed-request.js';
import { bearerChecker } from './token.js';

export interface SyncServerDeps {
  store: KeyStore;
  token: string;
  logger: Logger;
}

export interface SyncServer extends Pick<HttpService, 'listen' | 'server'> {
  /**
   * Drain like the admin listener (core/graceful-close.ts), but never wait on a long-poll: held
   * polls are answered at once and polls arriving after the call do not wait, each with
   * `Connection: close`, so only real work can use the grace. Calling it again returns the same promise.
   */
  close(graceMs: number): Promise<void>;
}

/** A batch from a gateway holding many keys is larger than an admin API body. */
export const ACTIVITY_BODY_LIMIT = 4 * 1024 * 1024;

type SyncHandler = (exchange: Exchange, query: string) => Promise<void> | void;

export function createSyncServer({ store, token, logger }: SyncServerDeps): SyncServer {
  const authorized = bearerChecker(token);
  /** Wake-ups of held long-polls, so close() can answer them at once. */
  const waiting = new Set<() => void>();
  let closing: Promise<void> | undefined;

  function page({ since, limit }: ChangesQuery): ChangesPage {
    const records = store.changesSince(since, limit);
    const nextSince = records.length > 0 ? (records[records.length - 1]?.seq as number) : since;
    const latestSeq = store.currentSeq();
    return { records, nextSince, latestSeq, hasMore: nextSince < latestSeq };
  }

  /** Resolve when a key newer than `since` is committed, after `waitMs`, or when the client leaves. */
  function waitForChange(exchange: Exchange, since: number, waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        unsubscribe();
        waiting.delete(wake);
        exchange.res.off('close', wake);
        resolve();
      };
      const timer = setTimeout(wake, waitMs);
      timer.unref();
      const unsubscribe = store.onChange((seq) => {
        if (seq > since) wake();
      });
      waiting.add(wake);
      exchange.res.once('close', wake);
    });
  }

  const changes: SyncHandler = async (exchange, rawQuery) => {
    const query = parseChangesQuery(rawQuery);
    if (!query.ok) throw new ApiError('invalid_parameter', query.problem);
    let answer = page(query.value);
    if (answer.records.length === 0 && query.value.waitMs > 0 && !closing) {
      exchange.log.debug({ since: query.value.since, waitMs: query.value.waitMs }, 'change feed poll held');
      await waitForChange(exchange, query.value.since, query.value.waitMs);
      if (exchange.res.destroyed) return; // the gateway went away while we waited
      answer = page(query.value);
    }
    sendJson(exchange, 200, answer, answer.hasMore ? { [NEXT_SINCE_HEADER]: String(answer.nextSince) } : undefined);
  };

  const activity: SyncHandler = async (exchange) => {
    const batch = parseActivityBody(await readJsonBody(exchange.req, ACTIVITY_BODY_LIMIT));
    if (!batch.ok) throw new ApiError('invalid_body', batch.problem);
    store.recordActivity(batch.value);
    sendEmpty(exchange, 204);
  };

  const routes = new RouteTable<{ template: string; handle: SyncHandler }>();
  routes.add('GET', CHANGES_PATH, { template: CHANGES_PATH, handle: changes });
  routes.add('POST', LAST_USED_PATH, { template: LAST_USED_PATH, handle: activity });

  async function handle(exchange: Exchange): Promise<void> {
    const target = canonicalizeTarget(exchange.req.url);
    if (!target.ok) throw new ApiError('invalid_request_target', `The request target was refused: ${target.reason}.`);
    if (!authorized(exchange.req.headers.authorization)) {
      throw new ApiError('invalid_key', 'A valid sync token is required (Authorization: Bearer <SYNC_TOKEN>).', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    const match = routes.match(exchange.req.method ?? '', target.target.path);
    if (!match) throw new ApiError('route_not_found', 'No such endpoint.');
    exchange.routeTemplate = match.value.template;
    await match.value.handle(exchange, target.target.query);
  }

  const service = createHttpService(
    // serveExchanges answers a handler's rejection through sendError.
    serveExchanges(handle, logger),
  );
  return {
    server: service.server,
    listen: service.listen,
    close(graceMs) {
      if (closing) return closing;
      // Drain first, so the held polls' answers already say Connection: close; then wake them.
      closing = service.close(graceMs);
      for (const wake of [...waiting]) wake();
      return closing;
    },
  };
}
