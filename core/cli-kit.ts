// Shared plumbing for the `bullseye-gateway` command line: a tree of
// commands, `--help` at every level, `--version` at the root, strict flag
// parsing, and one mapping from failures to exit codes. Commands never touch `process`: they get argv,
// the environment and an io object, so tests run them in-process.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { DestinationStream } from 'pino';
import { ConfigError, UsageError } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import { VERSION } from './version.js';

export const EXIT = Object.freeze({ ok: 0, usage: 1, config: 2 });

export type Env = Readonly<Record<string, string | undefined>>;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Resolves (with the signal's name) when the process is asked to stop. Long-running commands await it. */
  waitForShutdown(): Promise<string>;
  /** Call `listener` on each reload request (SIGHUP); returns a function that stops listening. */
  onReloadSignal(listener: () => void): () => void;
  /** Where long-running commands' logs go; default: `stdout` line by line. */
  logDestination?: DestinationStream;
}

export interface CommandLeaf {
  readonly summary: string;
  /** Full help text: usage line, options, examples. */
  readonly help: string;
  run(argv: string[], env: Env, io: CliIo): Promise<number>;
}

export interface CommandGroup {
  readonly summary: string;
  readonly commands: Readonly<Record<string, Command>>;
}

export type Command = CommandLeaf | CommandGroup;

const isGroup = (command: Command): command is CommandGroup => 'commands' in command;
const wantsHelp = (argv: readonly string[]): boolean => {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
};

export function groupHelp(path: string, group: CommandGroup): string {
  const names = Object.keys(group.commands);
  const width = Math.max(...names.map((name) => name.length));
  const lines = names.map((name) => `  ${name.padEnd(width)}  ${group.commands[name]?.summary ?? ''}`);
  return `${group.summary}\n\nUsage: ${path} <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun '${path} <command> --help' for a command's options.\n`;
}

/** Walk the tree by argv, run the command found, and map every failure to an exit code. */
export async function runCommandTree(root: CommandGroup, rootName: string, argv: string[], env: Env, io: CliIo): Promise<number> {
  if (argv[0] === '--version') return printVersion(io);
  let command: Command = root;
  let path = rootName;
  let rest = argv;
  while (isGroup(command)) {
    const [name, ...tail] = rest;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      (name === undefined ? io.stderr : io.stdout)(groupHelp(path, command));
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    const next: Command | undefined = Object.hasOwn(command.commands, name) ? command.commands[name] : undefined;
    if (!next) {
      io.stderr(`error: unknown command '${name}'\n\n${groupHelp(path, command)}`);
      return EXIT.usage;
    }
    command = next;
    path = `${path} ${name}`;
    rest = tail;
  }
  if (wantsHelp(rest)) {
    io.stdout(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, env, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}\nRun '${path} --help' for usage.\n`);
      return EXIT.usage;
    }
    if (err instanceof ConfigError) {
      io.stderr(`error: ${err.message}\n`);
      return EXIT.config;
    }
    io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.usage;
  }
}

/** The version alone on a line, so a script can read it as it is. */
function printVersion(io: CliIo): number {
  io.stdout(`${VERSION}\n`);
  return EXIT.ok;
}

/** `bullseye-gateway version`: the same line as `bullseye-gateway --version`. */
export const versionCommand: CommandLeaf = {
  summary: 'Print the version (also: --version).',
  help: `Usage: bullseye-gateway version

Prints the version (package.json's "version"), as 'bullseye-gateway --version' does.
`,
  async run(argv, _env, io) {
    parseCommandArgs(argv, {});
    return printVersion(io);
  },
};

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** node:util parseArgs, strict, with its errors turned into UsageErrors. */
export function parseCommandArgs(
  argv: string[],
  options: OptionSpecs,
  positionals: { min: number; max: number; names?: readonly string[] } = { min: 0, max: 0 },
): ParsedArgs {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: positionals.max > 0 }) as ParsedArgs;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length < positionals.min) {
    throw new UsageError(`missing ${positionals.names?.[parsed.positionals.length] ?? 'argument'}`);
  }
  if (parsed.positionals.length > positionals.max) {
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals.max]}'`);
  }
  return parsed;
}

/** A string flag's value, or undefined; an empty value is a usage error. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} needs a value`);
  return value;
}

/** Write a JSON document (one per command) to stdout. */
export const printJson = (io: CliIo, value: unknown): void => io.stdout(`${JSON.stringify(value, null, 2)}\n`);

/** A long-running command's logger: pino JSON lines to the command's stdout. */
export const cliLogger = (io: CliIo, level: string, name: string): Logger =>
  createLogger({ level, name, destination: io.logDestination ?? { write: (line: string) => io.stdout(line) } });
