/** *IDAA: Select Backend*: sets idaa.backend and restarts the workers on it. */
import * as vscode from 'vscode';
import type { BackendPreference } from '../../protocol/worker';
import { settings } from '../settings';
import type { CommandDeps } from './runPicks';

export function selectBackendCommand(ctx: CommandDeps) {
  const { runs, worker, messages } = ctx;

  const selectBackend = async (value?: BackendPreference) => {
    const choice =
      value ??
      ((
        await vscode.window.showQuickPick(
          [
            { label: 'auto', description: 'tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu: the first that works' },
            { label: 'tensorflow-gpu', description: '@tensorflow/tfjs-node-gpu (CUDA); needs a worker runtime that has it' },
            { label: 'webgpu', description: 'WebGPU (Dawn: Vulkan, Metal, D3D12); the worker log names the adapter' },
            { label: 'tensorflow', description: '@tensorflow/tfjs-node (native CPU)' },
            { label: 'wasm', description: 'WebAssembly with SIMD: works everywhere' },
            { label: 'cpu', description: 'pure JavaScript: slow, exact' },
          ],
          { placeHolder: `TensorFlow.js backend for the worker (now: ${worker.info?.backend ?? settings().backend})` },
        )
      )?.label as BackendPreference | undefined);
    if (!choice) return undefined;
    await vscode.workspace.getConfiguration('idaa').update('backend', choice, vscode.ConfigurationTarget.Global);
    if (runs.busy) {
      messages.show('info', `Backend set to ${choice}; it takes effect when the current run ends and the worker restarts.`, [], 'backend');
      return choice;
    }
    if (worker.running) await worker.stop();
    // The inspector's worker picks the new backend on its next request.
    if (ctx.inspectorWorker.running) await ctx.inspectorWorker.stop();
    if (!vscode.workspace.isTrusted) return choice;
    try {
      await worker.get();
      messages.show('info', `IDAA worker restarted: ${worker.info?.backendSummary ?? choice}`, [], 'backend');
    } catch (e) {
      messages.error(`Backend ${choice} is not usable`, e, [{ title: 'Select Backend', run: () => vscode.commands.executeCommand('idaa.selectBackend') }]);
    }
    return choice;
  };

  return selectBackend;
}
