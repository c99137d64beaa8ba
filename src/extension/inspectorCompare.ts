/**
 * The inspector's Compare view, host side: its three comparisons (another checkpoint on the same
 * samples, an ε sweep, a per-class table), each relayed to the inspector worker and forwarded as it
 * answers.
 */
import type { LanguageClient } from 'vscode-languageclient/node';
import type { CompareRequestMessage, CompareResultMessage } from '../protocol/webview';
import { ClassTableRequest, InspectSweepRequest } from '../protocol/worker';
import { checkpointOf, inspectCheckpoint, inspectParams, onWorkProgress } from './inspectorRequests';

/** Runs one comparison on the inspector worker; `busy` reports progress. */
export async function runComparison(client: LanguageClient, m: CompareRequestMessage, busy: (message: string, percentage?: number) => void): Promise<CompareResultMessage> {
  const checkpoint = checkpointOf(m.settings.checkpoint);
  const progressToken = `compare-${m.requestId}-${Date.now()}`;
  const sub = onWorkProgress(client, progressToken, busy);
  try {
    if (m.kind === 'checkpoint') {
      const result = await inspectCheckpoint(client, m.settings, checkpoint, progressToken);
      return { type: 'compareResult', requestId: m.requestId, kind: 'checkpoint', result };
    }
    if (m.kind === 'sweep') {
      const { eps: _eps, ...rest } = inspectParams(m.settings, checkpoint, progressToken);
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
