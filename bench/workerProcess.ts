/**
 * The extension's worker (dist/worker.js) started as the extension starts it — a Node child over
 * IPC speaking the protocol of src/protocol/worker.ts — so the benchmark measures what a user gets:
 * process start, JSON-RPC and the pixels' transport included.
 */
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, MessageConnection } from 'vscode-jsonrpc/node';
import type { WorkerInitializationOptions } from '../src/protocol/worker';

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly connection: MessageConnection;
  close(): Promise<void>;
}

export async function startWorker(distDir: string, init: WorkerInitializationOptions, env: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> {
  const child = fork(join(distDir, 'worker.js'), ['--node-ipc'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  connection.listen();
  await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: init });
  await connection.sendNotification('initialized', {});
  return {
    child,
    connection,
    async close() {
      try {
        await connection.sendRequest('shutdown');
        await connection.sendNotification('exit');
      } catch {
        // already gone
      }
      connection.dispose();
      if (child.exitCode === null) child.kill();
    },
  };
}
