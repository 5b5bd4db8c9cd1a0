// The signed-in state of this tab, in memory only: never localStorage,
// sessionStorage, a cookie or the URL. Reloading the page or "Sign out"
// forgets the key.
import type { ApiClient, WhoAmI } from './api.js';

export interface Session {
  readonly client: ApiClient;
  readonly who: WhoAmI;
  /** Create, rotate and revoke are offered only to a key holding the admin scope. */
  readonly canManage: boolean;
  /** Agency scopes are offered only for an agency organization. */
  readonly agency: boolean;
}

let current: Session | undefined;

export function signIn(client: ApiClient, who: WhoAmI): Session {
  current = { client, who, canManage: who.apiKey.scopes.includes('admin'), agency: who.organization?.agency === true };
  return current;
}

export function signOut(): void {
  current = undefined;
}

export const session = (): Session | undefined => current;
