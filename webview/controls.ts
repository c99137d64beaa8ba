/**
 * The Controls: checkpoint picker, ε, steps, seed, samples, split, augmented views and their stages,
 * zoom, and the buttons. ε and steps follow the checkpoint's training values (idaa.eps, idaa.steps)
 * until the user sets them; every control's tooltip gives the training value.
 */
import { formatPercent, formatPosition, positionFromCheckpoint } from '../src/common/runs/display';
import { AUGMENT_STAGE_LABELS, AUGMENT_STAGE_NAMES, type AugmentStage, type CheckpointOption, type InspectResultMessage, type InspectSettings, type ResolvedSettings } from '../src/protocol/webview';
import { field, h } from './dom';
import { controlHints } from './runDefaults';
import { runOf, session, ui } from './state';

export interface ControlEvents {
  /** Any setting changed: inspect again. */
  changed(): void;
  /** The checkpoint now belongs to another run (or split): views that show the run reload. */
  runChanged(): void;
  zoomed(): void;
  exportPng(): void;
  copySettings(s: ResolvedSettings): void;
}

const EPS_RANGE_MAX = 5;

export class Controls {
  readonly form: HTMLFormElement;
  readonly status = h('div', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' });
  private readonly ckpt = h('vscode-single-select', { id: 'checkpoint', 'aria-label': 'Checkpoint', class: 'ckpt' }) as HTMLElement & { value: string };
  private readonly epsRange = h('input', { id: 'eps', type: 'range', min: 0, max: EPS_RANGE_MAX, step: 0.05, 'aria-label': 'ε (latent attack radius)' });
  private readonly epsNumber = h('input', { id: 'eps-number', type: 'number', min: 0, max: 100, step: 0.05, 'aria-label': 'ε value', class: 'num' });
  private readonly steps = h('input', { id: 'steps', type: 'number', min: 0, max: 100, step: 1, 'aria-label': 'Attack steps', class: 'num' });
  private readonly seed = h('input', { id: 'seed', type: 'number', min: 0, step: 1, 'aria-label': 'Seed (which samples)', class: 'num' });
  readonly count = h('input', { id: 'count', type: 'number', min: 1, max: 64, step: 1, 'aria-label': 'Samples', class: 'num' });
  private readonly split = h('select', { id: 'split', 'aria-label': 'Split' }, h('option', { value: 'test' }, 'test'), h('option', { value: 'train' }, 'train'));
  private readonly augment = h('input', { id: 'augment', type: 'checkbox', 'aria-label': 'Attack the run’s training views (view i attacked, view j shown)' });
  private readonly mode = h(
    'select',
    { id: 'mode', 'aria-label': 'Attack mode' },
    h('option', { value: 'training', title: 'The auxiliary batch norm normalises with the attack batch’s statistics, as every training step does' }, 'training (batch statistics)'),
    h('option', { value: 'inference', title: 'The auxiliary batch norm’s running statistics: not the attack training does' }, 'inference (running statistics)'),
  );
  private readonly batch = h('input', { id: 'batch', type: 'number', min: 1, max: 1024, step: 1, 'aria-label': 'Attack batch size', class: 'num' });
  /** Checked = the stage of the run's augmentation is applied to the views. */
  private readonly stages = Object.fromEntries(
    AUGMENT_STAGE_NAMES.map((st) => [st, h('input', { id: `stage-${st}`, type: 'checkbox', checked: true, 'aria-label': `${AUGMENT_STAGE_LABELS[st]} in the augmented views` })]),
  ) as Record<AugmentStage, HTMLInputElement>;
  private readonly stageLabels = Object.fromEntries(AUGMENT_STAGE_NAMES.map((st) => [st, h('label', { class: 'stage' }, this.stages[st], AUGMENT_STAGE_LABELS[st])])) as Record<AugmentStage, HTMLLabelElement>;
  private readonly stageSet = h('fieldset', { id: 'stages', class: 'stages', title: 'Stages of the run’s augmentation applied to the two views' }, h('legend', {}, 'Stages'), ...AUGMENT_STAGE_NAMES.map((st) => this.stageLabels[st]));
  readonly zoom = h('input', { id: 'zoom', type: 'range', min: 1, max: 16, step: 1, 'aria-label': 'Zoom' });
  private readonly trained = h('span', { id: 'trained-values', class: 'dim trained' });
  private readonly useTrained = h('vscode-button', { id: 'use-trained', secondary: true, title: 'Set ε, steps, batch size and mode back to what this checkpoint was trained with' }, 'Training values');
  /** ε and steps follow the checkpoint's training values until the user sets them. */
  private follow = { eps: ui.settings?.eps === undefined, steps: ui.settings?.steps === undefined, batch: ui.settings?.batchSize === undefined };

  constructor(on: ControlEvents) {
    const regenerate = h('vscode-button', { id: 'regenerate', title: 'Decompose and attack again (Enter in any field)' }, 'Regenerate');
    const exportPng = h('vscode-button', { id: 'export-png', secondary: true, title: 'Save the current sheet as a PNG file' }, 'Save PNG…');
    const copy = h('vscode-button', { id: 'copy-settings', secondary: true, title: 'Copy ε, steps and seed as a run-config fragment' }, 'Copy settings');
    this.form = h(
      'form',
      { id: 'controls', class: 'controls', 'aria-label': 'Controls' },
      field('Checkpoint', 'checkpoint', this.ckpt),
      h('div', { class: 'field' }, h('label', { for: 'eps' }, 'ε'), this.epsRange, this.epsNumber),
      field('Steps', 'steps', this.steps),
      h('div', { class: 'field trained-field' }, this.trained, this.useTrained),
      field('Seed', 'seed', this.seed),
      field('Samples', 'count', this.count),
      field('Split', 'split', this.split),
      field('Attack', 'mode', this.mode),
      field('Batch', 'batch', this.batch),
      field('Training views', 'augment', this.augment),
      this.stageSet,
      field('Zoom', 'zoom', this.zoom),
      h('div', { class: 'buttons' }, regenerate, exportPng, copy),
    );
    this.epsRange.addEventListener('input', () => {
      this.epsNumber.value = this.epsRange.value;
      this.follow.eps = false;
      on.changed();
    });
    this.epsNumber.addEventListener('change', () => {
      this.epsRange.value = String(Math.min(EPS_RANGE_MAX, Number(this.epsNumber.value)));
      this.follow.eps = false;
      on.changed();
    });
    this.steps.addEventListener('change', () => {
      this.follow.steps = false;
      on.changed();
    });
    this.batch.addEventListener('change', () => {
      this.follow.batch = false;
      on.changed();
    });
    this.mode.addEventListener('change', () => on.changed());
    this.useTrained.addEventListener('click', () => {
      this.follow = { eps: true, steps: true, batch: true };
      this.mode.value = 'training';
      on.changed();
    });
    this.augment.addEventListener('change', () => this.syncStages());
    this.seed.addEventListener('change', () => {
      if (ui.settings) delete ui.settings.indices; // a new seed draws new samples (before the request below)
    });
    for (const el of [this.seed, this.count, this.augment, ...Object.values(this.stages)]) el.addEventListener('change', () => on.changed());
    this.split.addEventListener('change', () => {
      if (ui.settings) delete ui.settings.indices;
      on.changed();
      on.runChanged();
    });
    this.ckpt.addEventListener('change', () => {
      const before = runOf(ui.settings?.checkpoint);
      if (this.ckpt.value) session.chosenCheckpoint = this.ckpt.value;
      // Another run: its own training values, not the last run's.
      if (runOf(session.chosenCheckpoint) !== before) this.follow = { eps: true, steps: true, batch: true };
      on.changed();
      if (runOf(session.chosenCheckpoint) !== before) on.runChanged();
    });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      on.changed();
    });
    regenerate.addEventListener('click', () => on.changed());
    this.zoom.addEventListener('input', () => {
      ui.zoom = Number(this.zoom.value);
      on.zoomed();
    });
    exportPng.addEventListener('click', () => on.exportPng());
    copy.addEventListener('click', () => {
      const s = this.read();
      const shown = session.shown;
      const eps = s?.eps ?? shown?.eps;
      const steps = s?.steps ?? shown?.steps;
      if (s && eps !== undefined && steps !== undefined) on.copySettings({ ...s, eps, steps });
    });
  }

  /** Fills the picker (live runs first, then every checkpoint), keeping the choice when it is still there. */
  fillCheckpoints(): void {
    this.ckpt.textContent = '';
    const values: string[] = [];
    for (const dir of session.live) {
      const id = dir.split(/[\\/]/).pop() ?? dir;
      this.ckpt.append(h('vscode-option', { value: `live:${dir}`, description: 'newest checkpoint of the run training now' }, `● live: ${id}`));
      values.push(`live:${dir}`);
    }
    for (const c of session.checkpoints) {
      this.ckpt.append(h('vscode-option', { value: c.path, ...(c.phase === 'vae' ? { description: 'VAE phase: the encoder is untrained' } : {}) }, optionLabel(c)));
      values.push(c.path);
    }
    const want = session.chosenCheckpoint || ui.settings?.checkpoint;
    session.chosenCheckpoint = want && values.includes(want) ? want : (values[0] ?? '');
    this.ckpt.value = session.chosenCheckpoint;
    // The element processes new options asynchronously: set the value again once it has.
    requestAnimationFrame(() => {
      if (this.ckpt.value !== session.chosenCheckpoint) this.ckpt.value = session.chosenCheckpoint;
    });
  }

  /** The settings the controls show; ε and steps absent while they follow the training values. */
  read(): InspectSettings | undefined {
    const checkpoint = session.chosenCheckpoint;
    if (!checkpoint) return undefined;
    const cur = ui.settings;
    const s: InspectSettings = {
      checkpoint,
      split: this.split.value === 'train' ? 'train' : 'test',
      ...(this.follow.eps ? {} : { eps: num(this.epsNumber, cur?.eps ?? 0.1, 0, 100, false) }),
      ...(this.follow.steps ? {} : { steps: num(this.steps, cur?.steps ?? 1, 0, 100) }),
      seed: num(this.seed, cur?.seed ?? 0, 0, 2 ** 32 - 1),
      count: num(this.count, cur?.count ?? 16, 1, 64),
      ...(this.augment.checked ? { augment: true } : {}),
      ...(this.mode.value === 'inference' ? { mode: 'inference' as const } : {}),
      ...(this.follow.batch ? {} : { batchSize: num(this.batch, cur?.batchSize ?? 64, 1, 1024) }),
    };
    const off = AUGMENT_STAGE_NAMES.filter((st) => !this.stages[st].checked);
    if (this.augment.checked && off.length) s.augmentOff = off;
    // A picked selection belongs to its run and split; a different checkpoint of the same run keeps it.
    if (cur?.indices?.length && runOf(cur.checkpoint) === runOf(checkpoint) && cur.split === s.split) s.indices = cur.indices;
    return s;
  }

  write(s: InspectSettings): void {
    this.follow = { eps: s.eps === undefined, steps: s.steps === undefined, batch: s.batchSize === undefined };
    this.mode.value = s.mode ?? 'training';
    if (s.batchSize !== undefined) this.batch.value = String(s.batchSize);
    if (s.eps !== undefined) this.showEps(s.eps);
    if (s.steps !== undefined) this.steps.value = String(s.steps);
    this.seed.value = String(s.seed);
    this.count.value = String(s.count);
    this.split.value = s.split;
    this.augment.checked = s.augment === true;
    for (const st of AUGMENT_STAGE_NAMES) this.stages[st].checked = !s.augmentOff?.includes(st);
    this.syncStages();
    if (s.checkpoint) {
      session.chosenCheckpoint = s.checkpoint;
      this.ckpt.value = s.checkpoint;
    }
  }

  /** After an inspection: the values it used fill the controls that follow the run, and the tooltips name the training values. */
  applyResult(m: InspectResultMessage): void {
    if (this.follow.eps) this.showEps(m.eps);
    if (this.follow.steps) this.steps.value = String(m.steps);
    if (this.follow.batch) this.batch.value = String(m.run.batchSize);
    const hints = controlHints(m.run, m.runDir.split(/[\\/]/).pop() ?? m.runDir);
    this.epsRange.title = this.epsNumber.title = hints.eps;
    this.steps.title = hints.steps;
    this.seed.title = hints.seed;
    this.batch.title = hints.batch;
    this.mode.title = hints.mode;
    this.augment.title = hints.views;
    for (const st of AUGMENT_STAGE_NAMES) this.stageLabels[st].title = hints.stages[st];
    this.trained.textContent = hints.trained;
    const differs = m.eps !== m.run.idaa.eps || m.steps !== m.run.idaa.steps || m.attack.mode !== 'training' || !this.follow.batch;
    this.trained.classList.toggle('differs', differs);
    this.useTrained.toggleAttribute('disabled', !differs);
  }

  showZoom(z: number): void {
    this.zoom.value = String(z);
  }

  private showEps(eps: number): void {
    this.epsRange.value = String(Math.min(EPS_RANGE_MAX, eps));
    this.epsNumber.value = String(eps);
  }

  /** The stage toggles only mean something while the views are shown. */
  private syncStages(): void {
    (this.stageSet as HTMLFieldSetElement).disabled = !this.augment.checked;
  }
}

function num(el: HTMLInputElement, d: number, lo: number, hi: number, int = true): number {
  const v = Number(el.value);
  if (el.value === '' || !Number.isFinite(v)) return d;
  return Math.min(hi, Math.max(lo, int ? Math.round(v) : v));
}

function optionLabel(c: CheckpointOption): string {
  // The position as the Runs tree and the status bar say it (completed epochs, src/common/runs/display.ts).
  const knn = c.knnAccuracy !== undefined ? ` · kNN ${formatPercent(c.knnAccuracy)}` : '';
  return `${c.runId} / ${c.file} (${formatPosition(positionFromCheckpoint(c))}${knn})`;
}
