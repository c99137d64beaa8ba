/**
 * The public engine API: the worker, the CLI and the tests use only this module. It never imports
 * `vscode`, so it runs in any Node process.
 */
export { selectBackend, backendFromEnv, backendSummary, parseWasmThreads } from './backend/select';
export { backendLabel } from './backend/label';
export type { WasmThreads } from './backend/select';
export type { BackendChoice, BackendName, BackendPreference } from './backend/select';
export { resolveConfig, loadConfigFile, configFingerprint, diffConfigs } from './config/resolve';
export { PRESETS } from './config/presets';
export { RUN_CONFIG_SCHEMA, validateAgainstSchema } from './config/schema';
export type { RunConfig, RunConfigInput, PresetName, DatasetName, SslMethodName } from './config/types';
export type { Dataset, Split } from './data/types';
export { loadDataset, describeDataset } from './data/load';
export { IdaaError, DatasetError, ConfigError, CheckpointError } from '../common/errors';
export { Trainer } from './train/trainer';
export { Run, learningRate } from './train/run';
export type { Position, StepRecord, EpochRecord, CheckpointMeta, RunEvents } from './train/run';
export { openDataset, trainJob, resumeJob, openCheckpoint, inspectJob, inspectTrainer, evalJob, EvalCancelled, storeEvaluation } from './jobs';
export type { EvalJobOptions, EvalResult, InspectJobOptions, TrainJobOptions, TrainJobResult, ResumeJobOptions } from './jobs';
export { describeProbe } from './eval/configuredProbe';
export { RunController } from './runs/controller';
export type { ControllerEvents } from './runs/controller';
export { runPaths, defaultRunsRoot, newRunId } from '../common/runs/layout';
export { readManifest, latestCheckpoint, removeFromManifest, applyRetention } from '../common/runs/manifest';
export type { ManifestEntry, CheckpointKind } from '../common/runs/manifest';
export { readRunStatus } from '../common/runs/state';
export type { RunStatus, RunStateName } from '../common/runs/state';
export { readMetrics } from '../common/runs/metricsLog';
export { listRuns } from '../common/runs/list';
export { listProbes, readProbe, decodeProbeImages, probeIndices, probeFileName } from './runs/probe';
export type { ProbeFile, ProbeImages } from './runs/probe';
export type { RunSummary } from '../common/runs/list';
export { inspectSamples, SampleInspector } from './inspect/inspect';
export { attackBatch, drawIndices } from './inspect/batch';
export { classTable, sweepEps } from './inspect/compare';
export { trainerInspectOptions } from './inspect/trainerInspect';
export type { AttackMode, ModeAgreement } from './inspect/modes';
export type { TrainingViewsOptions, InspectResult, SampleNumbers, AttackInfo } from './inspect/inspect';
export { renderInspectionSheet } from './inspect/inspectionSheet';
export { encodePng, writePng } from '../common/png';
export { Rng } from './rng';
export { runExperiment, findCell, experimentRoot } from './experiment/runner';
export { runCell } from './experiment/cell';
export type { CellResult } from './experiment/cell';
export { loadExperimentSpec, experimentCells } from './experiment/spec';
export type { ExperimentSpec, Cell } from './experiment/spec';
