/** The error of a command-line flag or argument: the first thing a failed command can say. */
import { IdaaError } from '../common/errors';

/** A flag or argument of the command line that is not allowed; `field` names it (`--eps`, `<run-dir>`). */
export class UsageError extends IdaaError {
  constructor(
    readonly field: string,
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

/** `--eps is "-0.5"; allowed: a number ≥ 0`: the shape of every flag error (as config errors read). */
export function badValue(flag: string, raw: string, allowed: string, why?: string, file?: string): UsageError {
  return new UsageError(flag, `${flag} is ${JSON.stringify(raw)}${why ? ` (${why})` : ''}; allowed: ${allowed}`, file);
}
