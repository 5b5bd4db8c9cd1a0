// The documented key API, called relative to the page's origin (so the page
// works on the admin service and through the gateway alike), with the key in
// its family's header. No cookies are sent or accepted: credentials 'omit'.
// Failures become ApiProblem carrying the problem document's detail.

export type Family = 'org' | 'partner';
export type Scope = 'read' | 'write' | 'admin' | 'agency:read' | 'agency:write';

export interface FamilyInfo {
  readonly family: Family;
  readonly prefix: string;
  readonly header: string;
  /** The sidebar's section: "Organization Settings" or "Partner Settings". */
  readonly settingsLabel: string;
}

export const FAMILIES: readonly FamilyInfo[] = [
  { family: 'org', prefix: 'bsk_live_', header: 'X-API-Key', settingsLabel: 'Organization Settings' },
  { family: 'partner', prefix: 'pk_live_', header: 'X-Partner-API-Key', settingsLabel: 'Partner Settings' },
];

/** The family a key belongs to, by its prefix; undefined for anything else. */
export const familyOf = (key: string): FamilyInfo | undefined => FAMILIES.find((info) => key.startsWith(info.prefix));

export interface ApiKey {
  id: string;
  organizationId?: string;
  partnerId?: string;
  name: string;
  keyPrefix: string;
  scopes: Scope[];
  status: 'active' | 'revoked';
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

export interface WhoAmI {
  apiKey: ApiKey;
  organization?: { id: string; agency: boolean };
  partner?: { id: string };
}

export interface UsageHour {
  /** The hour's start, ISO 8601 UTC. */
  start: string;
  success: number;
  rateLimited: number;
  clientErrors: number;
  serverErrors: number;
}

export interface CreateKeyRequest {
  name: string;
  scopes: Scope[];
  expiresAt?: string;
}

/** A key shown once: created, or the successor of a rotation. */
export interface IssuedKey {
  apiKey: ApiKey;
  plainKey: string;
}

/** An answer other than success, in words (the problem document's detail when there is one). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiProblem';
  }
}

async function problemOf(response: Response): Promise<ApiProblem> {
  let detail = `The service answered ${response.status} ${response.statusText}.`;
  let code = 'http_' + String(response.status);
  try {
    const body = (await response.json()) as { detail?: unknown; code?: unknown };
    if (typeof body.detail === 'string' && body.detail !== '') detail = body.detail;
    if (typeof body.code === 'string') code = body.code;
  } catch {
    // Not a problem document (a proxy's error page): the status says it.
  }
  return new ApiProblem(response.status, code, detail);
}

export class ApiClient {
  readonly #key: string;
  readonly info: FamilyInfo;
  /** The owner whose keys this client lists: an organization id (org keys) or the partner id. */
  #ownerId = '';

  constructor(key: string, info: FamilyInfo) {
    this.#key = key;
    this.info = info;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T | undefined> {
    const headers: Record<string, string> = { accept: 'application/json', [this.info.header]: this.#key };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch {
      throw new ApiProblem(0, 'network', 'The service could not be reached. Check the connection and try again.');
    }
    if (!response.ok) throw await problemOf(response);
    if (response.status === 204) return undefined;
    return (await response.json()) as T;
  }

  async #get<T>(path: string): Promise<T> {
    const body = await this.#call<T>('GET', path);
    if (body === undefined) throw new ApiProblem(204, 'empty', 'The service sent no data.');
    return body;
  }

  #keysPath(): string {
    return this.info.family === 'org' ? `/api/v1/organization/${encodeURIComponent(this.#ownerId)}/api-keys` : '/api/v1/partner/api-keys';
  }

  #keyPath(keyId: string): string {
    return `${this.#keysPath()}/${encodeURIComponent(keyId)}`;
  }

  /** Who the key belongs to; remembers the owner for the calls below. */
  async whoami(): Promise<WhoAmI> {
    const who = await this.#get<WhoAmI>(this.info.family === 'org' ? '/api/v1/organization/whoami' : '/api/v1/partner/whoami');
    this.#ownerId = who.organization?.id ?? who.partner?.id ?? who.apiKey.organizationId ?? who.apiKey.partnerId ?? '';
    return who;
  }

  async listKeys(): Promise<ApiKey[]> {
    return (await this.#get<{ apiKeys: ApiKey[] }>(this.#keysPath())).apiKeys;
  }

  async createKey(request: CreateKeyRequest): Promise<IssuedKey> {
    const issued = await this.#call<IssuedKey>('POST', this.#keysPath(), request);
    if (issued === undefined) throw new ApiProblem(204, 'empty', 'The service sent no key.');
    return issued;
  }

  async rotateKey(keyId: string, gracePeriodSeconds: number): Promise<IssuedKey> {
    const issued = await this.#call<IssuedKey>('POST', `${this.#keyPath(keyId)}/rotate`, { gracePeriodSeconds });
    if (issued === undefined) throw new ApiProblem(204, 'empty', 'The service sent no key.');
    return issued;
  }

  async revokeKey(keyId: string): Promise<void> {
    await this.#call('DELETE', this.#keyPath(keyId));
  }

  /** Hourly counts from `fromMs` to `toMs` (hours without traffic are absent). */
  async usage(keyId: string, fromMs: number, toMs: number): Promise<UsageHour[]> {
    const query = new URLSearchParams({ from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
    return (await this.#get<{ usage: UsageHour[] }>(`${this.#keyPath(keyId)}/usage?${query.toString()}`)).usage;
  }
}
