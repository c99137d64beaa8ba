/** The backend of a command: chosen before any tensor exists, reported as a log line and a JSON event. */
import { backendFromEnv, selectBackend } from '../engine/index';
import type { BackendChoice, RunConfig } from '../engine/index';
import type { Invocation } from './context';

export async function initBackend(cli: Invocation, config?: RunConfig): Promise<BackendChoice> {
  const preference = backendFromEnv() ?? cli.flags.backend ?? config?.backend ?? 'auto';
  const choice = await selectBackend({ preference, wasmThreads: cli.flags.threads ?? 'auto', log: (l) => cli.out.log(l) });
  cli.out.event({ type: 'backend', ...choice });
  return choice;
}
