/** The short markdown report (bench/results/latest.md) made from the JSON results. */
import { BACKGROUND_THRESHOLD } from './load';
import type { TorchPeerResult } from './torchPeer';
import type { BenchResults, BnVariant, Group, LatencyRuns, StepKind, StepResult } from './types';

/** The speed issue's figures (its machine, batch 64; reference batch 32, 2 threads), for context only. */
export const ISSUE_FIGURES = {
  peer: {
    vae: { torch1: 142, torch2: 148, tfjsWasm: 189 },
    simclr: { torch1: 152, torch2: 299, tfjsWasm: 54 },
    adv: { torch1: 55, torch2: 85, tfjsWasm: 25 },
  },
  reference: { simclrTorch2: 23, idaaTorch2: 6.8 },
} as const;

const GROUP_LABEL: Record<Group, string> = { peer: 'peer shapes', small: 'small preset', reference: 'reference preset' };
const BN_LABEL: Record<BnVariant, string> = { engine: "engine's BatchNorm", moments: 'moments + autograd', tf: 'tf.batchNorm' };
const STEP_ORDER: StepKind[] = ['vae', 'simclr', 'adv', 'idaa', 'augment'];
const TORCH_WHAT: Partial<Record<StepKind, 'vae' | 'enc' | 'adv'>> = { vae: 'vae', simclr: 'enc', adv: 'adv' };

export interface TorchFigure {
  imgPerSec: number;
  medianMs: number;
  derived: boolean;
  disturbed: boolean;
}

/** The torch figure for a peer step at a thread count; IDAA is derived as adv + enc time (B images). */
export function torchFigure(torch: readonly TorchPeerResult[], step: StepKind, threads: number): TorchFigure | undefined {
  const find = (w: 'vae' | 'enc' | 'adv'): TorchPeerResult | undefined => torch.find((t) => t.what === w && t.threads === threads);
  const what = TORCH_WHAT[step];
  if (what) {
    const t = find(what);
    return t ? { imgPerSec: t.imgPerSec, medianMs: t.medianMs, derived: false, disturbed: (t.backgroundCores ?? 0) > BACKGROUND_THRESHOLD } : undefined;
  }
  if (step === 'idaa') {
    const adv = find('adv');
    const enc = find('enc');
    if (!adv || !enc) return undefined;
    const ms = adv.medianMs + enc.medianMs;
    const disturbed = (adv.backgroundCores ?? 0) > BACKGROUND_THRESHOLD || (enc.backgroundCores ?? 0) > BACKGROUND_THRESHOLD;
    return { imgPerSec: Math.round((64 * 1000 * 10) / ms) / 10, medianMs: ms, derived: true, disturbed };
  }
  return undefined;
}

/** The CUDA peer's figure for a peer step (any thread count: the GPU does the work). */
export function cudaFigure(cuda: readonly TorchPeerResult[] | undefined, step: StepKind): TorchFigure | undefined {
  return cuda ? torchFigure(cuda.map((t) => ({ ...t, threads: 0 })), step, 0) : undefined;
}

const fmt = (x: number | undefined, digits = 1): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));
const ratio = (a: number, b: number | undefined): string => (b === undefined || b === 0 ? '–' : `${(a / b).toFixed(2)}×`);

function sortResults(rs: readonly StepResult[]): StepResult[] {
  const gOrder: Group[] = ['peer', 'small', 'reference'];
  const bOrder = ['webgpu', 'wasm', 'tensorflow', 'cpu'];
  return [...rs].sort(
    (a, b) =>
      gOrder.indexOf(a.group) - gOrder.indexOf(b.group) ||
      STEP_ORDER.indexOf(a.step) - STEP_ORDER.indexOf(b.step) ||
      bOrder.indexOf(a.backend) - bOrder.indexOf(b.backend) ||
      ['engine', 'moments', 'tf'].indexOf(a.bn ?? 'engine') - ['engine', 'moments', 'tf'].indexOf(b.bn ?? 'engine') ||
      a.threads - b.threads,
  );
}

export function renderMarkdown(r: BenchResults): string {
  const L: string[] = [];
  const m = r.machine;
  L.push(`# IDAA Studio benchmark${r.quick ? ' (--quick: few steps, smoke check only)' : ''}`);
  L.push('');
  L.push(`${r.createdAt} · ${m.cpuModel} · ${m.cores} cores · Node ${m.node} · tfjs ${m.tfjs} · commit ${m.gitCommit} · load avg at start ${m.loadAvgAtStart.map((x) => x.toFixed(2)).join(' ')}`);
  const bk = r.backends.map((b) => (b.available ? `${b.backend}: ${b.info?.summary ?? 'ok'}` : `${b.backend}: skipped (${b.why ?? 'unavailable'})`));
  L.push('');
  L.push(`Backends: ${bk.join(' · ')}`);
  const ta = r.torch.availability;
  L.push(`PyTorch: ${ta.ok ? `${ta.version} (${ta.python})` : `skipped — ${ta.why}`}`);
  L.push('');
  L.push('Median step after warm-up. img/step: VAE B; SimCLR 2B views; adv B; IDAA B source images (x_i, x_j, x_adv each); augment 2B views. ');
  L.push('wasm 1t is tfjs\'s single-threaded build; wasm 2t its threaded build on 2 threads (src/engine/backend/wasmThreads.ts). "vs torch, same threads" is the like-for-like ratio: tfjs img/s ÷ torch img/s at the row\'s thread count (>1 = tfjs faster). ');
  L.push('Torch peer IDAA (≈) is derived as adv + enc time; torch has no preset-shaped models.');
  L.push('');
  L.push('Peak MiB: tensor bytes at the peak of the last warm-up step (tf.profile). † = other processes used more than ' + BACKGROUND_THRESHOLD + ' cores meanwhile (timing pessimistic).');
  L.push('');
  if (r.torchCuda) {
    const dev = r.torchCuda.results.find((t) => t.deviceName)?.deviceName ?? 'cuda';
    L.push(`PyTorch CUDA: ${r.torchCuda.results.length > 0 ? `${r.torchCuda.results[0].torchVersion ?? '?'} on ${dev}` : 'no result'} (${r.torchCuda.script}, the peer shapes at batch 64). webgpu rows compare with it ("vs torch" = webgpu img/s ÷ torch CUDA img/s).`);
    L.push('');
  }
  L.push('| shapes | step | backend | batch | img/step | ms/step | img/s | torch 1t img/s | torch 2t img/s | torch CUDA img/s | vs torch, same threads | tensors/step | peak MiB |');
  L.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const torchCell = (t: TorchFigure | undefined): string => (t ? `${t.derived ? '≈' : ''}${fmt(t.imgPerSec)}${t.disturbed ? ' †' : ''}` : '–');
  for (const s of sortResults(r.results)) {
    const stepLabel = `${s.step}${s.bn ? ` (bn ${BN_LABEL[s.bn]})` : ''}`;
    const t1 = s.group === 'peer' ? torchFigure(r.torch.results, s.step, 1) : undefined;
    const t2 = s.group === 'peer' ? torchFigure(r.torch.results, s.step, 2) : undefined;
    const cuda = s.group === 'peer' ? cudaFigure(r.torchCuda?.results, s.step) : undefined;
    // A GPU backend's peer is PyTorch on the GPU; a CPU backend's, PyTorch at its thread count.
    const same = s.group !== 'peer' ? undefined : s.backend === 'webgpu' ? cuda : torchFigure(r.torch.results, s.step, s.threads);
    let t2cell = torchCell(t2);
    if (s.group === 'reference' && (s.step === 'simclr' || s.step === 'idaa')) {
      t2cell = `(issue, B 32: ${s.step === 'simclr' ? ISSUE_FIGURES.reference.simclrTorch2 : ISSUE_FIGURES.reference.idaaTorch2})`;
    }
    const leak = s.tensorsPerStep === 0 ? '0' : `**${fmt(s.tensorsPerStep, 2)}**`;
    const dist = (s.backgroundCores ?? 0) > BACKGROUND_THRESHOLD ? ' †' : '';
    L.push(
      `| ${GROUP_LABEL[s.group]} | ${stepLabel} | ${s.backend === 'webgpu' ? 'webgpu' : `${s.backend} ${s.threads}t`} | ${s.batch} | ${s.imagesPerStep} | ${fmt(s.medianMs, 0)}${dist} | ${fmt(s.imgPerSec)} | ${torchCell(t1)} | ${t2cell} | ${torchCell(cuda)} | ${same ? ratio(s.imgPerSec, same.imgPerSec) : '–'} | ${leak} | ${fmt(s.peakTensorMB, 0)} |`,
    );
  }
  L.push('');

  const bnRuns = (['engine', 'moments', 'tf'] as const).flatMap((v) => r.results.filter((x) => x.group === 'peer' && x.step === 'simclr' && x.backend === 'wasm' && x.threads === 1 && x.bn === v));
  const bnBase = bnRuns.find((x) => x.bn === 'engine');
  if (bnRuns.length > 1 && bnBase) {
    const parts = bnRuns.map((x) => `${BN_LABEL[x.bn ?? 'engine']} ${fmt(x.medianMs, 0)} ms (×${(x.medianMs / bnBase.medianMs).toFixed(2)}, peak ${fmt(x.peakTensorMB, 0)} MiB)`);
    L.push(`**BN A/B (peer SimCLR step, wasm, time relative to the engine's BatchNorm):** ${parts.join(' · ')}.`);
    L.push('');
  }

  if (r.inspect.length > 0) {
    L.push('**Inspector** (16 samples, small model, ε changed each run; worker-side compute, without transport and drawing):');
    for (const i of r.inspect) {
      const line = (what: string, x: LatencyRuns) =>
        `- ${i.backend}, ${what}: median ${fmt(x.medianMs, 0)} ms (min ${fmt(x.minMs, 0)}, max ${fmt(x.maxMs, 0)}; ${i.runs} runs after ${i.warmup} warm-up; tensors/run ${fmt(x.tensorsPerRun, 2)}; other processes ${fmt(i.backgroundCores, 2)} cores)`;
      L.push(line('new samples each run (decompose + attack + features)', i.fresh));
      L.push(line('same samples, new ε (the panel’s slider)', i.epsChange));
    }
    L.push('');
  }

  if (r.inspectLive) {
    const l = r.inspectLive;
    L.push(`**Inspector while a run trains** (its own worker, ${l.inspectorThreads} thread(s); the training worker at nice ${l.trainingNice}; 16 shown samples, training-mode attack over a batch of 64; round trip over IPC; an ε change every ${l.everyS} s in the "with" windows of ${l.windowS} s):`);
    L.push(`- ε change: idle median ${fmt(l.idle.medianMs, 0)} ms, while training ${fmt(l.duringTraining.medianMs, 0)} ms (×${l.latencyRatio}; target ≤ 1.5); first request (opens the checkpoint) ${fmt(l.firstRequestMs, 0)} ms`);
    L.push(`- training: ${l.training.baseStepsPerS} steps/s without the inspector, ${l.training.inspectStepsPerS} with it: ${(l.training.throughputLoss * 100).toFixed(1)}% lost (target ≤ 15%)`);
    L.push('');
  }

  if (r.memory.length > 0) {
    L.push('**Memory over a long run** (sampled every N steps after one warm-up step):');
    for (const t of r.memory) {
      const tensors = t.samples.map((s) => s.numTensors);
      L.push(
        `- ${t.backend}, ${t.steps} × ${t.what}: tensors ${t.tensorsFlat ? `flat at ${tensors[0]}` : `NOT flat: ${tensors.join(' → ')}`}; RSS ${fmt(t.samples[0].rssMB, 0)} → ${fmt(t.samples[t.samples.length - 1].rssMB, 0)} MB (growth ${fmt(t.rssGrowthMB)} MB, ${fmt(t.rssGrowthSteadyMB)} MB after step ${t.samples[1]?.step ?? 0}); tf numBytes growth ${t.numBytesGrowth}; other processes ${fmt(t.backgroundCores, 2)} cores`,
      );
      L.push(`  - RSS MB by step: ${t.samples.map((s) => `${s.step}: ${fmt(s.rssMB, 0)}`).join(', ')}`);
    }
    L.push('');
  }

  if (r.torch.results.length > 0) {
    L.push('**PyTorch peer** (torch_peer.py): ' + r.torch.results.map((t) => `${t.what} ${t.threads}t ${fmt(t.imgPerSec)} img/s (${t.medianMs} ms, peak RSS ${t.peakRssMB} MB, other processes ${fmt(t.backgroundCores, 2)} cores)`).join(' · '));
    L.push('');
  }
  const iss = ISSUE_FIGURES.peer;
  L.push(`Issue's figures (its machine, torch 1t / 2t / tfjs wasm): VAE ${iss.vae.torch1}/${iss.vae.torch2}/${iss.vae.tfjsWasm}; SimCLR ${iss.simclr.torch1}/${iss.simclr.torch2}/${iss.simclr.tfjsWasm}; adv ${iss.adv.torch1}/${iss.adv.torch2}/${iss.adv.tfjsWasm} img/s.`);
  const failed = r.children.filter((c) => !c.ok);
  const notes = [...r.notes, ...failed.map((c) => `FAILED ${c.backend} ${c.case}: ${c.error ?? ''}`)];
  if (notes.length > 0) {
    L.push('');
    L.push('Notes:');
    for (const n of notes) L.push(`- ${n}`);
  }
  L.push('');
  const heaps = r.children.filter((c) => c.wasmHeapMB !== undefined).map((c) => `${c.case} ${fmt(c.wasmHeapMB, 0)}`);
  if (m.gitDirty.length > 0) L.push(`Working tree differs from ${m.gitCommit.replace('+dirty', '')}: ${m.gitDirty.join('; ')}.`);
  if (heaps.length > 0) L.push(`wasm heap (linear memory, MiB) at the end of each child: ${heaps.join(', ')}.`);
  L.push(`Total wall time ${(r.wallMs / 60000).toFixed(1)} min; load average at end ${(m.loadAvgAtEnd ?? []).map((x) => x.toFixed(2)).join(' ')}.`);
  return L.join('\n') + '\n';
}
