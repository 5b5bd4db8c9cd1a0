// Run a `bullseye-gateway` command in-process, capturing what it prints.
import { runCommandTree, type CliIo, type Env } from '../../core/cli-kit.js';
import { COMMAND_TREE } from '../../commands/tree.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, or undefined. */
  json: any;
}

export interface CliRunOptions {
  /** Resolve this to deliver a "signal" to long-running commands. */
  shutdown?: Promise<string>;
  /** Called with each piece of stdout as it is written (e.g. to see a server's listening line). */
  onStdout?: (text: string) => void;
}

export async function runCli(argv: string[], env: Env, options: CliRunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
      options.onStdout?.(text);
    },
    stderr: (text) => void (stderr += text),
    waitForShutdown: () => options.shutdown ?? new Promise<string>(() => undefined),
    onReloadSignal: () => () => undefined,
  };
  const code = await runCommandTree(COMMAND_TREE, 'bullseye-gateway', argv, env, io);
  let json: any;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}
