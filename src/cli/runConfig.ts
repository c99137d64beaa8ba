/** The run config of a training command: the config file (if any), then flags on top, then the preset fills the rest. */
import { loadConfigFile, resolveConfig } from '../engine/index';
import type { RunConfig, RunConfigInput } from '../engine/index';
import type { Flags } from './flags';

export function configFromFlags(f: Flags): RunConfig {
  const base: RunConfigInput = f.config ? (loadConfigFile(f.config) as RunConfigInput) : {};
  const over: RunConfigInput = structuredClone(base);
  const set = <K extends keyof RunConfigInput>(k: K, patch: RunConfigInput[K]) => {
    over[k] = { ...(over[k] as object), ...(patch as object) } as RunConfigInput[K];
  };
  if (f.preset) over.preset = f.preset;
  if (f.seed !== undefined) over.seed = f.seed;
  if (f.backend) over.backend = f.backend;
  if (f.dataset) set('data', { dataset: f.dataset });
  if (f.method) set('ssl', { method: f.method });
  if (f.dataPath) set('data', { path: f.dataPath });
  if (f.trainLimit !== undefined) set('data', { trainLimit: f.trainLimit });
  if (f.noIdaa) set('idaa', { enabled: false });
  if (f.eps !== undefined) set('idaa', { eps: f.eps });
  if (f.attackSteps !== undefined) set('idaa', { steps: f.attackSteps });
  if (f.alpha !== undefined) set('idaa', { alpha: f.alpha });
  if (f.vaeEpochs !== undefined) set('vae', { epochs: f.vaeEpochs });
  if (f.vae) set('vae', { checkpoint: f.vae });
  if (f.epochs !== undefined) set('ssl', { epochs: f.epochs });
  return resolveConfig(over, f.config);
}
