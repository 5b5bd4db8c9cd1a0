// The problems of the ConfigError a load throws ([] when it loads); any other error is rethrown.
import { ConfigError } from '../../core/errors.js';

export function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
