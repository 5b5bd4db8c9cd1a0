// Reading a config file (policy or settings): strict UTF-8, and read
// failures reported as ConfigErrors in the same `file: problem` style as
// validation problems, so callers handle one kind of error.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';

export interface ConfigFile {
  readonly bytes: Buffer;
  /** The decoded text; a BOM is kept, so the text re-encodes to exactly `bytes`. */
  readonly text: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** `what` names the file's role in the error summary ("policy", "gateway settings"). */
export function readConfigFile(path: string, what: string): ConfigFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(`cannot read ${what} ${path}`, [`${path}: cannot read the file (${reason})`]);
  }
  try {
    return { bytes, text: utf8.decode(bytes) };
  } catch {
    throw new ConfigError(`invalid ${what} ${path}`, [`${path}: is not valid UTF-8`]);
  }
}
