/**
 * The host side of the inspector's requests to its worker: the InspectParams of the Controls'
 * settings, one inspection (shared by the Decomposition and Compare → another checkpoint), the
 * dataset grid's samples and a run's probe history. Each is relayed to the inspector worker and its
 * answer returned as the webview message it becomes; pixels travel as the worker sent them.
 */
import * as path from 'node:path';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { DatasetMessage, DatasetRequestMessage, Inspection, InspectSettings, ProbeRequestMessage, ProbesMessage } from '../protocol/webview';
import { DatasetSamplesRequest, InspectParams, InspectRequest, LongWorkProgressType, ProbeHistoryRequest } from '../protocol/worker';
import { resolveCheckpointChoice } from './inspectorData';

/** The worker request of the Controls' settings (ε, steps absent: the checkpoint's training values). */
export function inspectParams(s: InspectSettings, checkpoint: string, progressToken: string): InspectParams {
  return {
    checkpoint,
    progressToken,
    split: s.split,
    ...(s.eps !== undefined ? { eps: s.eps } : {}),
    ...(s.steps !== undefined ? { steps: s.steps } : {}),
    seed: s.seed,
    count: s.count,
    ...(s.indices?.length ? { indices: s.indices } : {}),
    ...(s.augment ? { augment: { seed: s.seed, off: s.augmentOff ?? [] } } : {}),
    ...(s.mode ? { mode: s.mode } : {}),
    ...(s.batchSize !== undefined ? { batchSize: s.batchSize } : {}),
  };
}

/** The checkpoint `choice` names, or an error the webview shows. */
export function checkpointOf(choice: string): string {
  const file = resolveCheckpointChoice(choice);
  if (!file) throw new Error('That run has not written a checkpoint yet: pick another one.');
  return file;
}

/** Reports a long request's progress (never its closing 'done'); the returned disposable stops it. */
export function onWorkProgress(client: LanguageClient, token: string, busy: (message: string, percentage?: number) => void): { dispose(): void } {
  return client.onProgress(LongWorkProgressType.type, token, (p) => {
    if (p.message !== 'done') busy(p.message, p.percentage);
  });
}

/** Inspects `checkpoint` with settings `s`; `workerMs` is the round trip as the host saw it. */
export async function inspectCheckpoint(client: LanguageClient, s: InspectSettings, checkpoint: string, progressToken: string): Promise<Inspection> {
  const t0 = Date.now();
  const r = await client.sendRequest(InspectRequest.type, inspectParams(s, checkpoint, progressToken));
  return {
    checkpoint,
    runDir: path.dirname(path.dirname(checkpoint)),
    split: r.split,
    eps: r.eps,
    steps: r.steps,
    seed: s.seed,
    lossBefore: r.lossBefore,
    lossAfter: r.lossAfter,
    samples: r.samples,
    run: r.run,
    attack: r.attack,
    images: r.images,
    workerMs: Date.now() - t0,
  };
}

/** The dataset grid's samples of a run's dataset. */
export async function fetchDataset(client: LanguageClient, m: DatasetRequestMessage): Promise<DatasetMessage> {
  const r = await client.sendRequest(DatasetSamplesRequest.type, { runDir: m.runDir, split: m.split, indices: m.indices, withAllLabels: m.withAllLabels });
  return {
    type: 'dataset',
    requestId: m.requestId,
    runDir: m.runDir,
    split: m.split,
    dataset: r.dataset,
    classNames: r.classNames,
    total: r.total ?? 0,
    ...(r.allLabels ? { allLabels: r.allLabels } : {}),
    indices: r.indices,
    labels: r.labels,
    images: r.images,
  };
}

/** The probe history of a run (config `inspect.probeEvery`): its steps, and one probe's images and numbers. */
export async function fetchProbes(client: LanguageClient, m: ProbeRequestMessage): Promise<ProbesMessage> {
  const r = await client.sendRequest(ProbeHistoryRequest.type, { runDir: m.runDir, ...(m.step !== undefined ? { step: m.step } : {}) });
  return { type: 'probes', runDir: m.runDir, steps: r.steps, ...(r.probe ? { probe: r.probe } : {}) };
}
