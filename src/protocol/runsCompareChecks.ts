/** The runtime schema of the runs comparison's messages (runsCompare.ts): both sides check what arrives with these. */
import { arrayOf, int, num, obj, oneOf, parse, recordOf, str, type Check, type Parsed } from './checks';
import type { RunsHostMessage, RunsPageMessage, RunsShown } from './runsCompare';
import { exportCsv, metricEpoch, metricStep } from './webviewChecks';

const fraction: Check = (v, p) => num(v, p) ?? ((v as number) >= 0 && (v as number) <= 1 ? undefined : `${p}: expected a fraction in 0..1`);

const comparedRun: Check = obj({
  runDir: str,
  id: str,
  label: str,
  state: str,
  position: str,
  'knnFinal?': fraction,
  'knnBest?': fraction,
  'probe?': fraction,
  'probeEpochs?': int(0),
  'probeCurve?': arrayOf(fraction, 100_000),
  'imagesPerSec?': num,
  'seconds?': num,
  config: recordOf(str),
  steps: arrayOf(metricStep),
  epochs: arrayOf(metricEpoch),
});

const HOST: Record<RunsHostMessage['type'], Check> = {
  runs: obj({ title: str, 'experiment?': str, runs: arrayOf(comparedRun, 1000), differing: arrayOf(str, 10_000) }),
  exported: obj({ detail: str }),
};

const PAGE: Record<RunsPageMessage['type'], Check> = {
  ready: obj({}),
  exportCsv,
  log: obj({ level: oneOf('info', 'warn', 'error'), message: str }),
};

/** Checks a message the page received from the host. */
export function parseRunsHostMessage(v: unknown): Parsed<RunsHostMessage> {
  return parse<RunsHostMessage>(HOST, v, 'host');
}

/** Checks a message the host received from the page. */
export function parseRunsPageMessage(v: unknown): Parsed<RunsPageMessage> {
  return parse<RunsPageMessage>(PAGE, v, 'page');
}

const shown: Check = obj({ runDirs: arrayOf(str, 1000), title: str, 'experiment?': str });

/** The runs a revived panel showed before the reload, or undefined when its saved state is missing or malformed. */
export function parseRunsShown(state: unknown): RunsShown | undefined {
  const v = (state as { shown?: unknown } | null | undefined)?.shown;
  return v !== undefined && shown(v, 'state.shown') === undefined ? (v as RunsShown) : undefined;
}
