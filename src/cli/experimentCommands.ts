/** experiment and experiment-cell: a grid of runs, one process per cell. */
import { experimentRoot, findCell, IdaaError, runCell, runExperiment } from '../engine/index';
import { initBackend } from './backend';
import type { Invocation } from './context';
import { existingFile } from './paths';
import { UsageError } from './usageError';
import { stopOnSignal, trainingEvents } from './trainingEvents';

const SPEC_ALLOWED = 'an experiment spec JSON file (schema: schemas/experiment-spec.schema.json)';

export async function experiment(cli: Invocation): Promise<void> {
  const { flags, out } = cli;
  const spec = cli.positionals[1];
  if (!spec) throw new UsageError('<spec.json>', 'experiment needs a spec file: idaa experiment <spec.json> [--parallel N] [--out DIR]');
  const file = existingFile('<spec.json>', spec, SPEC_ALLOWED);
  const { report, failed } = await runExperiment(file, {
    cli: cli.cliPath,
    outRoot: flags.out,
    parallel: flags.parallel,
    log: (l) => out.log(l),
    // `npm run experiment` runs the default spec only (its script names it), so other specs name the CLI.
    command: spec.endsWith('default.json') ? 'npm run experiment' : `npm run build && node dist/cli.js experiment ${spec}`,
  });
  if (failed.length) throw new IdaaError(`${failed.length} cell(s) failed: ${failed.join(', ')}; run the same command again to retry them`);
  out.result({ report }, `report: ${report}`);
}

/** One cell of an experiment, in its own process (called by `idaa experiment`). */
export async function experimentCell(cli: Invocation): Promise<void> {
  const { flags, out } = cli;
  const [, spec, id] = cli.positionals;
  if (!spec || !id) throw new UsageError('<spec.json>', 'experiment-cell needs <spec.json> <cell-id>');
  const file = existingFile('<spec.json>', spec, SPEC_ALLOWED);
  const cell = findCell(file, id);
  await initBackend(cli, cell.config);
  const signals = stopOnSignal(out);
  try {
    const r = await runCell(experimentRoot(file, flags.out), cell, { ...trainingEvents(out, cell.config), state: undefined });
    out.result({ ...r }, `${id}: done`);
  } finally {
    signals.dispose();
  }
}
