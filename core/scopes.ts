// Scopes and the pure rules over them. `admin` implies every base scope
// (read, write, admin) but never the agency scopes, which exist only for keys
// of agency organizations.
import type { Result } from './result.js';

export const SCOPES = ['read', 'write', 'admin', 'agency:read', 'agency:write'] as const;
export type Scope = (typeof SCOPES)[number];

export const BASE_SCOPES: readonly Scope[] = ['read', 'write', 'admin'];
export const AGENCY_SCOPES: readonly Scope[] = ['agency:read', 'agency:write'];

const SCOPE_SET: ReadonlySet<string> = new Set(SCOPES);

export const isScope = (value: unknown): value is Scope => typeof value === 'string' && SCOPE_SET.has(value);

/** The scopes a key effectively holds: its own, with `admin` expanded. Sorted as SCOPES. */
export function expandScopes(granted: readonly Scope[]): Scope[] {
  const held = new Set<Scope>(granted);
  if (held.has('admin')) for (const scope of BASE_SCOPES) held.add(scope);
  return SCOPES.filter((scope) => held.has(scope));
}

export function holdsScope(granted: readonly Scope[], required: Scope): boolean {
  return granted.includes(required) || (granted.includes('admin') && BASE_SCOPES.includes(required));
}

/** Scopes in `requested` that `granted` does not cover: non-empty means privilege escalation. */
export function missingScopes(granted: readonly Scope[], requested: readonly Scope[]): Scope[] {
  return requested.filter((scope) => !holdsScope(granted, scope));
}

export type ScopeListResult = Result<{ scopes: Scope[] }>;

/** Validate a client- or operator-supplied scope list: array of known, distinct, non-empty names. */
export function parseScopeList(value: unknown): ScopeListResult {
  if (!Array.isArray(value)) return { ok: false, problem: 'scopes must be an array of strings' };
  if (value.length === 0) return { ok: false, problem: 'scopes must not be empty' };
  const seen = new Set<string>();
  for (const item of value) {
    if (!isScope(item)) {
      const shown = typeof item === 'string' ? JSON.stringify(item.slice(0, 40)) : typeof item;
      return { ok: false, problem: `unknown scope ${shown}; known scopes: ${SCOPES.join(', ')}` };
    }
    if (seen.has(item)) return { ok: false, problem: `duplicate scope "${item}"` };
    seen.add(item);
  }
  return { ok: true, scopes: SCOPES.filter((scope) => seen.has(scope)) };
}

export const hasAgencyScope = (scopes: readonly Scope[]): boolean => scopes.some((s) => AGENCY_SCOPES.includes(s));
