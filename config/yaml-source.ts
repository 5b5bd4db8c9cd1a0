// The YAML side of config validation, shared by the policy and the settings
// loaders: parse with line tracking, collect every problem as
// `file:line: field: message`, and read maps strictly (unknown and duplicate
// keys are problems). Validators never throw on the first problem; they
// record it and carry on, and the caller throws one ConfigError at the end.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError } from '../core/errors.js';

/** Where a problem is: a node (its first line), a source offset, or nowhere. */
export type At = Node | number | null | undefined;

/** The collected problems of one source, rendered in line order. */
export class Problems {
  readonly source: string;
  readonly #lines: LineCounter | undefined;
  readonly #items: { line: number; text: string }[] = [];

  constructor(source: string, lines?: LineCounter) {
    this.source = source;
    this.#lines = lines;
  }

  /** 1-based line of `at`, or 0 when it has none. */
  lineOf(at: At): number {
    const offset = typeof at === 'number' ? at : at?.range?.[0];
    if (offset === undefined || !this.#lines) return 0;
    return this.#lines.linePos(offset).line;
  }

  add(at: At, field: string, message: string): void {
    const line = this.lineOf(at);
    const where = line > 0 ? `${this.source}:${line}` : this.source;
    this.#items.push({ line, text: `${where}: ${field ? `${field}: ` : ''}${message}` });
  }

  get size(): number {
    return this.#items.length;
  }

  /** Every problem, in file order (stable for problems on one line). */
  list(): string[] {
    return [...this.#items].sort((a, b) => a.line - b.line).map((item) => item.text);
  }

  throwIfAny(summary: string): void {
    if (this.#items.length) throw new ConfigError(summary, this.list());
  }
}

export interface YamlSource {
  readonly doc: Document;
  /** The top-level node; null when the document is empty or did not parse. */
  readonly root: Node | null;
  readonly problems: Problems;
}

/**
 * Parse one YAML document. Syntax errors are recorded (and `root` is null:
 * validating a half-parsed tree would only add confusing follow-on problems).
 * Duplicate keys are left to MapReader, which can name the first occurrence.
 */
export function parseYaml(text: string, source: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const problems = new Problems(source, lineCounter);
  for (const error of doc.errors) problems.add(error.pos[0], '', `YAML syntax: ${error.message.split('\n')[0]}`);
  const root = doc.errors.length ? null : deref(doc, doc.contents);
  return { doc, root, problems };
}

const deref = (doc: Document, node: unknown): Node | null => {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? null;
  return (node as Node | null) ?? null;
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `defaults.rateLimit`, `routes."GET /x"`: the field path used in messages. */
export const joinPath = (parent: string, key: string): string => {
  const part = IDENTIFIER.test(key) ? key : JSON.stringify(key);
  return parent ? `${parent}.${part}` : part;
};

/** One key of a map as a validator sees it. */
export interface Entry {
  readonly key: string;
  /** The value node; null for a key with no value node at all. */
  readonly value: Node | null;
  /** Where to point problems about the value: the value, else its key. */
  readonly at: Node;
  readonly keyNode: Node;
  readonly path: string;
}

/** What a YAML value is, for messages: `"10 sec"`, `42`, `a map`, `nothing`. */
export function describe(node: Node | null): string {
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  const value = isScalar(node) ? node.value : null;
  if (value === null || value === undefined) return 'nothing';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a YAML scalar's value: string, number, boolean or null
  return typeof value === 'string' ? quote(value) : String(value);
}

/** A string for messages: JSON-quoted, cut at 60 characters. */
export const quote = (value: string): string => JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);

/**
 * A strict view of one YAML map. Every key a validator asks for (present or
 * not) is "known"; `finish()` reports the keys nobody asked for, so the list
 * of allowed keys lives in the validator's reads and nowhere else.
 */
export class MapReader {
  readonly node: Node;
  readonly path: string;
  readonly src: YamlSource;
  readonly #entries = new Map<string, Entry>();
  readonly #asked = new Set<string>();

  private constructor(src: YamlSource, node: Node, path: string) {
    this.src = src;
    this.node = node;
    this.path = path;
    for (const pair of isMap(node) ? node.items : []) {
      const keyNode = pair.key as Node;
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        src.problems.add(keyNode, path, 'keys must be plain strings');
        continue;
      }
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a plain scalar (checked above), never an object
      const key = String(keyNode.value);
      const keyPath = joinPath(path, key);
      const first = this.#entries.get(key);
      if (first) {
        src.problems.add(keyNode, keyPath, `duplicate key (first at line ${src.problems.lineOf(first.keyNode)})`);
        continue;
      }
      const value = deref(src.doc, pair.value);
      this.#entries.set(key, { key, value, at: value?.range ? value : keyNode, keyNode, path: keyPath });
    }
  }

  /** A reader for `entry`'s value, or undefined (and a problem) when it is not a map. */
  static of(src: YamlSource, entry: Pick<Entry, 'value' | 'at' | 'path'>, what = 'a map'): MapReader | undefined {
    if (!isMap(entry.value)) {
      src.problems.add(entry.at, entry.path, `must be ${what}, got ${describe(entry.value)}`);
      return undefined;
    }
    return new MapReader(src, entry.value, entry.path);
  }

  /** The top-level map of a source; problems for an empty or non-map document. */
  static root(src: YamlSource, what: string): MapReader | undefined {
    if (src.root === null) {
      if (!src.problems.size) src.problems.add(0, '', `is empty; expected ${what}`);
      return undefined;
    }
    return MapReader.of(src, { value: src.root, at: src.root, path: '' }, what);
  }

  get(key: string): Entry | undefined {
    this.#asked.add(key);
    return this.#entries.get(key);
  }

  /** Read `key` with `read`; undefined when absent or invalid (a problem is then recorded). */
  read<T>(key: string, read: FieldReader<T>): T | undefined {
    const entry = this.get(key);
    return entry ? read(this.src, entry) : undefined;
  }

  /** Like read(), keeping where the value was for later cross-reference problems. */
  readAt<T>(key: string, read: FieldReader<T>): Located<T> | undefined {
    const entry = this.get(key);
    const value = entry ? read(this.src, entry) : undefined;
    return entry && value !== undefined ? { value, at: entry.at, path: entry.path } : undefined;
  }

  /** Like read(), but a missing key is a problem too. */
  need<T>(key: string, read: FieldReader<T>): T | undefined {
    if (!this.#entries.has(key)) this.src.problems.add(this.node, joinPath(this.path, key), 'is required');
    return this.read(key, read);
  }

  /** Every entry, for maps whose keys are names (upstreams, routes). */
  entries(): Entry[] {
    for (const key of this.#entries.keys()) this.#asked.add(key);
    return [...this.#entries.values()];
  }

  /** Report every key that was never asked for. Call after all reads. */
  finish(): void {
    const allowed = [...this.#asked].join(', ');
    for (const entry of this.#entries.values()) {
      if (this.#asked.has(entry.key)) continue;
      this.src.problems.add(entry.keyNode, entry.path, `unknown key (allowed: ${allowed})`);
    }
  }
}

/** A validated value and where it was written. */
export interface Located<T> {
  readonly value: T;
  readonly at: Node;
  readonly path: string;
}

/** Validates one value; records a problem and returns undefined when it is wrong. */
export type FieldReader<T> = (src: YamlSource, entry: Entry) => T | undefined;
