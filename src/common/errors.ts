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

/** A config field with a value that is not allowed. */
export class ConfigError extends IdaaError {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly allowed: string,
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ''}config field "${field}" is ${JSON.stringify(value)}; allowed: ${allowed}`);
  }
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
