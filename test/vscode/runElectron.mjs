#!/usr/bin/env node
// Runs test/vscode's mocha suite in desktop VS Code (Electron) through @vscode/test-electron.
// VSCODE_EXECUTABLE points at an installed VS Code (`code` binary or the app's executable); without it
// test-electron downloads VS Code into .vscode-test/ (needs update.code.visualstudio.com).
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const workspace = mkdtempSync(join(tmpdir(), 'idaa-vscode-test-'));
mkdirSync(workspace, { recursive: true });
try {
  await runTests({
    ...(process.env.VSCODE_EXECUTABLE ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE } : {}),
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: join(ROOT, 'dist', 'test', 'vscode', 'suite', 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    extensionTestsEnv: { IDAA_CACHE_DIR: join(ROOT, '.cache', 'idaa') },
  });
  process.exitCode = 0;
} catch (e) {
  console.error(`[vscode-test-electron] ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
