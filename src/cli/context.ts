/** What every command receives: the checked flags, the positionals, the output, and what a failure report needs. */
import type { Flags } from './flags';
import type { Output } from './output';

/** Filled in by a command as it learns it, so an error report can say more. */
export interface FaultContext {
  /** The run folder the command works in: the stack log goes there. */
  runDir?: string;
  /** The command trains that run, so `idaa resume` can continue it from its last checkpoint. */
  training?: boolean;
}

export interface Invocation {
  flags: Flags;
  positionals: string[];
  out: Output;
  /** The CLI bundle itself, for commands that start more of it (experiment cells). */
  cliPath: string;
  fault: FaultContext;
}
