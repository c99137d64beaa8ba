/** A child process of the benchmark: one case on one backend, its result printed as one line. */
import { backendSummary, selectBackend } from '../src/engine/backend/select';
import { Args, CHILD_CASES, isBackend, isChildCase, log, RESULT_PREFIX } from './args';
import { CaseContext, idaaMemoryCase, inspectCase, methodsCase, peerCase, peerMemoryCase, Plan, presetCase, PresetPlans, wasmHeapMB } from './cases';
import type { BackendInfo, ChildOutput } from './types';

export async function runChild(args: Args): Promise<void> {
  const c = args.childCase ?? '';
  const b = args.backend ?? 'wasm';
  if (!isChildCase(c)) throw new Error(`--case: unknown case ${c}; child cases: ${CHILD_CASES.join(', ')}`);
  if (!isBackend(b)) throw new Error(`--backend: unknown backend ${b}`);
  const t0 = performance.now();
  const choice = await selectBackend({ preference: b, wasmThreads: args.threads ?? 1, log: (l) => log(`[${b}] ${l}`) });
  if (args.threads !== undefined && choice.threads !== args.threads) throw new Error(`${args.threads} threads asked, the backend runs ${choice.threads}`);
  const backend: BackendInfo = {
    name: choice.name,
    threads: choice.threads,
    detail: choice.attempts.find((x) => x.ok)?.why ?? '',
    summary: backendSummary(choice),
  };
  const ctx: CaseContext = { backend: b, threads: choice.threads, quick: args.quick, log: (l) => log(`[${b}] ${l}`) };
  const P = (full: Plan, quick: Plan): Plan => {
    const p = args.quick ? quick : full;
    return { steps: args.steps ?? p.steps, warmup: args.warmup ?? p.warmup };
  };
  const out: ChildOutput = { case: c, backend, results: [], notes: [], wallMs: 0 };
  log(`[${b}] case ${c}${c === 'peer-enc' || c === 'peer-adv' || c === 'peer-idaa' ? ` (bn ${args.bn})` : ''}${args.quick ? ' (quick)' : ''}`);
  switch (c) {
    case 'probe':
      // Only the backend selection: the parent learns whether (and with which adapter) webgpu runs.
      break;
    case 'peer-vae':
      out.results.push(await peerCase(ctx, 'vae', args.bn, P({ steps: 20, warmup: 3 }, { steps: 3, warmup: 1 })));
      break;
    case 'peer-enc':
      out.results.push(await peerCase(ctx, 'enc', args.bn, P({ steps: 10, warmup: 2 }, { steps: 2, warmup: 1 })));
      break;
    case 'peer-adv':
      out.results.push(await peerCase(ctx, 'adv', args.bn, P({ steps: 10, warmup: 2 }, { steps: 2, warmup: 1 })));
      break;
    case 'peer-idaa':
      out.results.push(await peerCase(ctx, 'idaa', args.bn, P({ steps: 6, warmup: 2 }, { steps: 2, warmup: 1 })));
      break;
    case 'small': {
      const plans: PresetPlans = {
        vae: P({ steps: 10, warmup: 2 }, { steps: 2, warmup: 1 }),
        simclr: P({ steps: 5, warmup: 1 }, { steps: 1, warmup: 1 }),
        adv: P({ steps: 5, warmup: 1 }, { steps: 1, warmup: 1 }),
        idaa: P({ steps: 5, warmup: 1 }, { steps: 1, warmup: 1 }),
        augment: P({ steps: 10, warmup: 2 }, { steps: 2, warmup: 1 }),
      };
      out.results.push(...(await presetCase(ctx, 'small', args.batch ?? 64, plans)));
      break;
    }
    // The IDAA step runs in its own child: on wasm it can exhaust the 4 GiB heap, which aborts the process.
    case 'reference':
    case 'reference-idaa': {
      const plan = P({ steps: 3, warmup: 1 }, { steps: 1, warmup: 0 });
      const plans: PresetPlans = c === 'reference' ? { vae: plan, simclr: plan, adv: plan } : { idaa: plan };
      out.results.push(...(await presetCase(ctx, 'reference', args.batch ?? 32, plans)));
      if (plan.warmup === 0) out.notes.push(`${c} on ${b}: no warm-up step (--quick), first-step overheads included`);
      break;
    }
    case 'methods':
      out.results.push(...(await methodsCase(ctx, args.batch ?? 64, P({ steps: 3, warmup: 1 }, { steps: 1, warmup: 1 }))));
      break;
    case 'inspect': {
      const p = P({ steps: 7, warmup: 2 }, { steps: 2, warmup: 1 });
      out.inspect = inspectCase(ctx, p.steps, p.warmup);
      break;
    }
    case 'memory': {
      const steps = args.steps ?? (args.quick ? 30 : 300);
      out.memory = await peerMemoryCase(ctx, steps, args.quick ? 10 : 50);
      break;
    }
    case 'memory-idaa': {
      const steps = args.steps ?? (args.quick ? 30 : 1000);
      out.memory = await idaaMemoryCase(ctx, 'tiny', 32, steps, args.quick ? 10 : 100);
      break;
    }
    case 'long': {
      const steps = args.steps ?? 1000;
      out.memory = await idaaMemoryCase(ctx, 'small', 64, steps, Math.max(1, Math.min(50, Math.floor(steps / 10))));
      break;
    }
  }
  out.wallMs = Math.round(performance.now() - t0);
  const heap = wasmHeapMB();
  if (heap !== undefined) out.wasmHeapMB = heap;
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(out)}\n`);
}
