/** *IDAA: New Run…*: a run folder with a config.json from a few quick picks (or the options given). */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { newRunId } from '../../common/runs/layout';
import { openFile } from '../messages';
import { DatasetChoice, MethodChoice, PresetChoice, runsRoot, settings } from '../settings';
import type { CommandDeps } from './runPicks';

export interface NewRunOptions {
  dataset?: DatasetChoice;
  preset?: PresetChoice;
  method?: MethodChoice;
  idaa?: boolean;
  /** cifar10, cifar100, folder: where the data is. */
  dataPath?: string;
  name?: string;
  /** Extra config fields, merged over the essentials (tests use a tiny model). */
  config?: Record<string, unknown>;
  /** Open config.json in an editor (default true). */
  open?: boolean;
}

/** A quick pick whose settings default is pre-selected and named; the label picked, or undefined when dismissed. */
async function pickWithDefault(items: vscode.QuickPickItem[], defaultLabel: string, title: string): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(
    items.map((i) => ({ ...i, picked: i.label === defaultLabel })),
    { title, placeHolder: `default: ${defaultLabel}` },
  );
  return picked?.label;
}

export function newRunCommand(ctx: CommandDeps) {
  const { runs, tree, messages, output } = ctx;

  const newRun = async (opts: NewRunOptions = {}): Promise<string | undefined> => {
    const root = runsRoot();
    if (!root) {
      messages.show('error', 'Open a folder first: runs live in the workspace (setting idaa.runsFolder).', [], 'noWorkspace');
      return undefined;
    }
    const s = settings();
    const dataset =
      opts.dataset ??
      (await pickWithDefault(
        [
          { label: 'fashion-mnist', description: 'built in: 70,000 28×28 clothing images, 10 classes' },
          { label: 'mnist', description: 'built in: 70,000 28×28 digits' },
          { label: 'cifar10', description: 'your download of the binary version' },
          { label: 'cifar100', description: 'your download of the binary version' },
          { label: 'folder', description: 'a folder with one subfolder of images per class' },
        ],
        s.defaultDataset,
        'New IDAA run (1/4): dataset',
      ));
    if (!dataset) return undefined;
    let dataPath = opts.dataPath;
    if (!dataPath && (dataset === 'cifar10' || dataset === 'cifar100' || dataset === 'folder')) {
      const uri = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: `The ${dataset} folder` });
      if (!uri?.[0]) return undefined;
      dataPath = uri[0].fsPath;
    }
    const preset =
      opts.preset ??
      (await pickWithDefault(
        [
          { label: 'small', description: 'for CPUs: minutes on a laptop' },
          { label: 'tiny', description: 'seconds: a smoke test' },
          { label: 'reference', description: "the authors' settings: a GPU and days" },
        ],
        s.defaultPreset,
        'New IDAA run (2/4): preset',
      ));
    if (!preset) return undefined;
    const method = (opts.method ??
      (await pickWithDefault(
        [
          { label: 'simclr', description: 'SimCLR: NT-Xent, τ 0.5 (the IDAA reference)' },
          { label: 'simsiam', description: 'SimSiam: predictor, stop-gradient, SGD (the IDAA authors’ code line)' },
          { label: 'byol', description: 'BYOL: predictor, EMA target network' },
          { label: 'mocov2', description: 'MoCo v2: momentum key encoder, queue of negatives, τ 0.2' },
        ],
        'simclr',
        'New IDAA run (3/4): self-supervised method',
      ))) as MethodChoice | undefined;
    if (!method) return undefined;
    const idaa =
      opts.idaa ??
      (await vscode.window.showQuickPick([{ label: 'IDAA on', description: `${method} + identity-disentangled adversarial views`, on: true }, { label: 'IDAA off', description: `plain ${method} (the baseline)`, on: false }], { title: 'New IDAA run (4/4): augmentation' }))?.on;
    if (idaa === undefined) return undefined;
    const config: Record<string, unknown> = {
      $schema: 'https://idaa-studio.invalid/run-config.schema.json',
      ...(opts.name ? { name: opts.name } : {}),
      preset,
      backend: s.backend,
      data: { dataset, ...(dataPath ? { path: dataPath } : {}) },
      ssl: { method },
      idaa: { enabled: idaa },
      checkpoint: { everyEpochs: s.checkpointEveryEpochs, keepLast: s.checkpointKeepLast, keepBest: s.checkpointKeepBest },
    };
    delete config.$schema; // the schema is contributed by file pattern; no URL needed
    for (const [k, v] of Object.entries(opts.config ?? {})) {
      config[k] = v && typeof v === 'object' && !Array.isArray(v) && config[k] && typeof config[k] === 'object' ? { ...(config[k] as object), ...(v as object) } : v;
    }
    const dir = path.join(root, newRunId(`${method}${idaa ? '-idaa' : ''}`, dataset));
    let runDir = dir;
    for (let i = 2; existsSync(runDir); i++) runDir = `${dir}-${i}`;
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    tree.refresh();
    output.info(`new run ${runDir}`);
    if (opts.open !== false) {
      await openFile(path.join(runDir, 'config.json'));
      messages.show('info', `Created ${path.basename(runDir)}. Edit its config.json (completion describes every field), then start it.`, [{ title: 'Start', run: () => runs.start(runDir) }], 'created');
    }
    return runDir;
  };

  return newRun;
}
