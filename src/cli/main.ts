#!/usr/bin/env node
/**
 * `idaa`: the headless face of the engine. Every command prints human-readable lines (and a progress
 * bar on a terminal), or JSON lines with --json for scripts and the extension. This file parses,
 * dispatches and turns failures into exit codes; the commands live beside it.
 */
import { isSystemError } from '../common/userError';
import { exportCommand, importCommand } from './bridgeCommands';
import type { FaultContext, Invocation } from './context';
import { experiment, experimentCell } from './experimentCommands';
import { parseCommandLine, validateFlags } from './flags';
import { listCheckpointsCommand, listRunsCommand } from './listCommands';
import { evaluate, inspect } from './modelCommands';
import { Output } from './output';
import { reportError } from './report';
import { resume, train } from './trainCommands';
import { USAGE } from './usage';

type Command = (cli: Invocation) => Promise<void> | void;

const COMMANDS: Record<string, Command> = {
  demo: (cli) => train(cli, 'demo'),
  train: (cli) => train(cli, 'train'),
  vae: (cli) => train(cli, 'vae'),
  resume,
  runs: listRunsCommand,
  checkpoints: listCheckpointsCommand,
  experiment,
  'experiment-cell': experimentCell,
  inspect,
  eval: evaluate,
  export: exportCommand,
  import: importCommand,
};

/** What the last-resort handlers below need to report an error thrown outside main's own try. */
const current: { json: boolean; fault: FaultContext } = { json: false, fault: {} };

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (e) {
    process.stderr.write(`idaa: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const cmd = positionals[0];
  if (values.help || !cmd) {
    process.stdout.write(USAGE + '\n');
    return cmd || values.help ? 0 : 2;
  }
  const command = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (!command) {
    process.stderr.write(`idaa: unknown command "${cmd}"\n\n${USAGE}\n`);
    return 2;
  }
  const out = new Output(Boolean(values.json));
  const fault: FaultContext = {};
  current.json = out.json;
  current.fault = fault;
  try {
    const flags = validateFlags(values);
    await command({ flags, positionals, out, cliPath: __filename, fault });
    return 0;
  } catch (e) {
    out.bar.clear();
    reportError(e, { json: out.json, fault });
    return 1;
  }
}

/** Errors from callbacks and timers outside main's promise still end as a message, never a raw stack. */
function installLastResort(): void {
  const fail = (e: unknown) => {
    reportError(e, current);
    process.exit(1);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  // A reader that goes away (`idaa runs | head -1`) is not an error of ours.
  process.stdout.on('error', (e) => (isSystemError(e) && e.code === 'EPIPE' ? process.exit() : fail(e)));
}

if (require.main === module || process.argv[1]?.endsWith('cli.js')) {
  installLastResort();
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
