// Loading the route policy: text to a compiled, frozen Policy, or one
// ConfigError listing every problem as `file:line: field: message`.
// parsePolicy is pure; loadPolicyFile adds the file read.
import { createHash } from 'node:crypto';
import { readConfigFile } from './config-file.js';
import { compilePolicy, type PolicyContext } from './policy-compile.js';
import { readPolicy } from './policy-schema.js';
import type { Policy } from './policy-types.js';
import { parseYaml } from './yaml-source.js';

export type { CompiledRoute, InternalAdmin, Policy, QuotaSpec, RateLimitSpec, UpstreamSpec } from './policy-types.js';
export type { PolicyContext };

/** For offline checks (`policy check`, tests): `admin@internal` is accepted and left unresolved. */
export const OFFLINE: PolicyContext = Object.freeze({ internalAdmin: 'unresolved' });

/** First 12 hex characters of SHA-256: a label for logs and metrics, not a security check. */
export const policyHash = (content: string | Uint8Array): string => createHash('sha256').update(content).digest('hex').slice(0, 12);

/**
 * Validate and compile policy text. `sourceName` prefixes every message (usually the file path);
 * `context` says what `admin@internal` means here (a serving gateway always says).
 */
export function parsePolicy(text: string, sourceName: string, context: PolicyContext = OFFLINE): Policy {
  const src = parseYaml(text, sourceName);
  const draft = readPolicy(src);
  const policy = draft && compilePolicy(draft, src.problems, { source: sourceName, hash: policyHash(text) }, context);
  src.problems.throwIfAny(`invalid policy ${sourceName}`);
  return policy as Policy;
}

export interface PolicySource {
  readonly text: string;
  /** policyHash of the file's bytes (equal to the parsed policy's hash). */
  readonly hash: string;
}

/** Read a policy file; read failures are ConfigErrors too. */
export function readPolicySource(path: string): PolicySource {
  const { text, bytes } = readConfigFile(path, 'policy');
  return { text, hash: policyHash(bytes) };
}

export function loadPolicyFile(path: string, context: PolicyContext = OFFLINE): Policy {
  return parsePolicy(readPolicySource(path).text, path, context);
}
