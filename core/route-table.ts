// Compiled route lookup shared by the gateway policy and the admin router.
// Patterns are `/literal/{param}/...`; a table is a segment trie built once,
// so a lookup costs one walk over the path's segments with no regex and no
// scan over the route list. Literal segments beat parameters; when a literal
// branch dead-ends, the parameter branch at the same depth is tried, so the
// most specific route that matches wins.
import type { Result } from './result.js';

export interface RouteMatch<T> {
  readonly value: T;
  readonly params: Readonly<Record<string, string>>;
}

interface Leaf<T> {
  readonly value: T;
  readonly paramNames: readonly string[];
}

interface TrieNode<T> {
  readonly literals: Map<string, TrieNode<T>>;
  param: TrieNode<T> | undefined;
  readonly leaves: Map<string, Leaf<T>>;
}

const newNode = <T>(): TrieNode<T> => ({ literals: new Map(), param: undefined, leaves: new Map() });

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

export type PatternResult = Result<{ segments: string[]; paramNames: string[] }>;

/** Validate a path pattern: absolute, non-empty segments, `{name}` params used once each. */
export function parsePattern(pattern: string): PatternResult {
  if (!pattern.startsWith('/')) return { ok: false, problem: `path "${pattern}" must start with /` };
  const segments = pattern === '/' ? [] : pattern.slice(1).split('/');
  const paramNames: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      return { ok: false, problem: `path "${pattern}" has an empty or dot segment` };
    }
    const param = PARAM.exec(segment);
    if (param) {
      const name = param[1] as string;
      if (paramNames.includes(name)) return { ok: false, problem: `path "${pattern}" uses {${name}} twice` };
      paramNames.push(name);
    } else if (/[{}%?#;\\\s]/.test(segment)) {
      return { ok: false, problem: `path "${pattern}" has an invalid segment "${segment}"` };
    }
  }
  return { ok: true, segments, paramNames };
}

export class RouteTable<T> {
  readonly #root: TrieNode<T> = newNode();
  readonly #shapes = new Map<string, string>();

  /**
   * Add a route. Throws on a pattern error, and when a route of the same
   * method and shape exists (two routes that would match the same requests).
   */
  add(method: string, pattern: string, value: T): void {
    const parsed = parsePattern(pattern);
    if (!parsed.ok) throw new Error(parsed.problem);
    const shape = `${method} /${parsed.segments.map((s) => (PARAM.test(s) ? '{}' : s)).join('/')}`;
    const existing = this.#shapes.get(shape);
    if (existing !== undefined) {
      throw new Error(
        existing === `${method} ${pattern}`
          ? `duplicate route "${method} ${pattern}"`
          : `"${method} ${pattern}" and "${existing}" match the same requests`,
      );
    }
    let node = this.#root;
    for (const segment of parsed.segments) {
      if (PARAM.test(segment)) {
        node.param ??= newNode();
        node = node.param;
      } else {
        let next = node.literals.get(segment);
        if (!next) node.literals.set(segment, (next = newNode()));
        node = next;
      }
    }
    this.#shapes.set(shape, `${method} ${pattern}`);
    node.leaves.set(method, { value, paramNames: parsed.paramNames });
  }

  /** Look up a canonical path (as produced by canonicalizeTarget). */
  match(method: string, path: string): RouteMatch<T> | undefined {
    const segments = path === '/' ? [] : path.slice(1).split('/');
    const captured: string[] = [];
    const leaf = this.#walk(this.#root, segments, 0, method, captured);
    if (!leaf) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < leaf.paramNames.length; i++) params[leaf.paramNames[i] as string] = captured[i] as string;
    return { value: leaf.value, params };
  }

  /** True when some route exists for this path under any method (for 405 vs 404 decisions). */
  hasPath(path: string): boolean {
    const segments = path === '/' ? [] : path.slice(1).split('/');
    return this.#walk(this.#root, segments, 0, undefined, []) !== undefined;
  }

  #walk(node: TrieNode<T>, segments: string[], depth: number, method: string | undefined, captured: string[]): Leaf<T> | undefined {
    if (depth === segments.length) {
      if (method !== undefined) return node.leaves.get(method);
      return node.leaves.values().next().value;
    }
    const segment = segments[depth] as string;
    const literal = node.literals.get(segment);
    if (literal) {
      const found = this.#walk(literal, segments, depth + 1, method, captured);
      if (found) return found;
    }
    if (node.param) {
      captured.push(segment);
      const found = this.#walk(node.param, segments, depth + 1, method, captured);
      if (found) return found;
      captured.pop();
    }
    return undefined;
  }
}
