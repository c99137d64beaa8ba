/**
 * The host side of the inspector's requests to its worker: the InspectParams of the Controls'
 * settings, and the Compare view's three comparisons (another checkpoint on the same samples, an ε
 * sweep, a per-class table), each relayed to the inspector worker and forwarded as it answers.
 */
import * as path from 'node:path';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { CompareRequestMessage, CompareResultMessage, InspectSettings } from '../protocol/webview';
import { ClassTableRequest, InspectParams, InspectRequest, InspectSweepRequest, LongWorkProgressType } from '../protocol/worker';
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

/** Runs one comparison on the inspector worker; `busy` reports progress. */
export async function runComparison(client: LanguageClient, m: CompareRequestMessage, busy: (message: string, percentage?: number) => void): Promise<CompareResultMessage> {
  const checkpoint = checkpointOf(m.settings.checkpoint);
  const progressToken = `compare-${m.requestId}-${Date.now()}`;
  const sub = client.onProgress(LongWorkProgressType.type, progressToken, (p) => p.message !== 'done' && busy(p.message ?? 'working', p.percentage));
  try {
    const params = inspectParams(m.settings, checkpoint, progressToken);
    if (m.kind === 'checkpoint') {
      const t0 = Date.now();
      const r = await client.sendRequest(InspectRequest.type, params);
      const result = { checkpoint, runDir: path.dirname(path.dirname(checkpoint)), split: r.split, eps: r.eps, steps: r.steps, seed: m.settings.seed, lossBefore: r.lossBefore, lossAfter: r.lossAfter, samples: r.samples, run: r.run, attack: r.attack, images: r.images, workerMs: Date.now() - t0 };
      return { type: 'compareResult', requestId: m.requestId, kind: 'checkpoint', result };
    }
    if (m.kind === 'sweep') {
      const { eps: _eps, ...rest } = params;
      const result = await client.sendRequest(InspectSweepRequest.type, { ...rest, epsList: m.epsList ?? [0, 0.05, 0.1, 0.2, 0.5, 1] });
      return { type: 'compareResult', requestId: m.requestId, kind: 'sweep', result };
    }
    const s = m.settings;
    const result = await client.sendRequest(ClassTableRequest.type, {
      checkpoint,
      progressToken,
      split: s.split,
      count: m.count ?? 256,
      seed: s.seed,
      ...(s.eps !== undefined ? { eps: s.eps } : {}),
      ...(s.steps !== undefined ? { steps: s.steps } : {}),
      ...(s.mode ? { mode: s.mode } : {}),
      ...(s.batchSize !== undefined ? { batchSize: s.batchSize } : {}),
    });
    return { type: 'compareResult', requestId: m.requestId, kind: 'classes', result };
  } finally {
    sub.dispose();
  }
}
