/** Errors that reach users: each names the thing at fault and what is wrong with it. */
export class IdaaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A data file or folder that cannot be read as the dataset it claims to be. */
export class DatasetError extends IdaaError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** One field that breaks a config or spec: where it is, what it holds and what is allowed. */
export interface ConfigIssue {
  field: string;
  value: unknown;
  allowed: string;
  /** 1-based position in the file, when the value came from one. */
  line?: number;
  column?: number;
}

/**
 * Config fields with values that are not allowed: every issue found at once, the first also as
 * `field`/`value`/`allowed` for callers that show one.
 */
export class ConfigError extends IdaaError {
  readonly issues: ConfigIssue[];
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;
  readonly file?: string;

  constructor(field: string, value: unknown, allowed: string, file?: string);
  constructor(issues: ConfigIssue[], file?: string);
  constructor(a: string | ConfigIssue[], b?: unknown, c?: string, d?: string) {
    const issues: ConfigIssue[] = typeof a === 'string' ? [{ field: a, value: b, allowed: c ?? '' }] : a;
    const file = typeof a === 'string' ? d : (b as string | undefined);
    super(formatIssues(issues, file));
    this.issues = issues;
    this.field = issues[0]?.field ?? '(root)';
    this.value = issues[0]?.value;
    this.allowed = issues[0]?.allowed ?? '';
    this.file = file;
  }
}

function formatIssue(i: ConfigIssue): string {
  // A file-level problem (unreadable, not JSON) has no field: its text says it all.
  if (i.field === '(file)') return i.allowed;
  const shown = i.value === undefined ? 'missing' : `is ${truncate(JSON.stringify(i.value))}`;
  return `config field "${i.field}" ${shown}; allowed: ${i.allowed}`;
}

function formatIssues(issues: ConfigIssue[], file?: string): string {
  const at = (i: ConfigIssue) => (file ? `${file}${i.line !== undefined ? `:${i.line}:${i.column}` : ''}: ` : i.line !== undefined ? `line ${i.line}, column ${i.column}: ` : '');
  if (issues.length === 1) return at(issues[0]!) + formatIssue(issues[0]!);
  return `${file ? `${file}: ` : ''}${issues.length} config errors:\n` + issues.map((i) => `  ${at(i)}${formatIssue(i)}`).join('\n');
}

function truncate(s: string | undefined): string {
  if (s === undefined) return 'undefined';
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** A checkpoint that is corrupt, truncated, foreign or incompatible. */
export class CheckpointError extends IdaaError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`checkpoint ${file}: ${problem}`);
  }
}

/**
 * A path refused because its real location (after links are followed) lies outside every folder it
 * may be in: the workspace's runs folder, or, for reading, a dataset folder the run's config names.
 * Said in one line: the path as requested, the allowed folder(s), and why it was refused.
 */
export class PathOutsideRootError extends IdaaError {
  /** Where the path really leads, when that is not the path as requested (a link, `..`). */
  readonly real?: string;
  /** The config field that named the path (`vae.checkpoint`, `data.path`), when one did. */
  readonly field?: string;

  constructor(
    /** The path as requested. */
    readonly file: string,
    /** The folders it may lie in (real paths); the first is the main one (the runs folder). */
    readonly roots: readonly string[],
    opts: { what?: string; real?: string; field?: string; detail?: string } = {},
  ) {
    const where = roots.length ? roots.join(' or ') : 'a runs folder, and the worker was given none (open a workspace folder)';
    const what = `${opts.field ? `${opts.field}: ` : ''}refused ${opts.what ?? 'path'} ${file}`;
    super(
      opts.detail
        ? `${what}: ${opts.detail}; it must lie inside ${where}`
        : `${what}: it lies outside ${where}${opts.real && opts.real !== file ? ` (it leads to ${opts.real})` : ''}`,
    );
    if (opts.real !== undefined) this.real = opts.real;
    if (opts.field !== undefined) this.field = opts.field;
  }

  /** The main allowed folder ('' when the worker knows none). */
  get root(): string {
    return this.roots[0] ?? '';
  }
}

/**
 * A path a reader refused before reading it: missing, not a regular file (a folder, a FIFO, a
 * socket, a device) or over its size limit. `code` is the errno code when the OS refused.
 */
export class FileError extends IdaaError {
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly code?: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** A run folder that another process (or another job of this one) owns right now. */
export class RunLockedError extends IdaaError {
  constructor(
    readonly runDir: string,
    readonly holder: { pid: number; command: string; since: string; host: string },
  ) {
    super(`${runDir} is in use by process ${holder.pid} (${holder.command}) since ${holder.since}${holder.host ? ` on ${holder.host}` : ''}: wait for it to finish, or stop it, then try again`);
  }
}

/** A run file (manifest, state, metrics) that cannot be read as what it should be. */
export class RunFileError extends IdaaError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}
