import type { RunConfigInput, SslMethodName } from '../config/types';

/**
 * The rows of an experiment, by the names a spec's `methods` lists:
 *   raw-pixels, random-encoder     calibration: no training (kNN and probe on the pixels, or on an
 *                                  encoder at its random initialisation)
 *   <method>                       the SSL method alone
 *   <method>+idaa                  with IDAA's latent adversarial view
 *   <method>+idaa-eps0             the same three views with ε = 0 (x_adv = x_i): the extra view only
 *   <method>+clae                  CLAE's pixel-space FGSM view instead (the paper's baseline)
 */
export type Variant = 'plain' | 'idaa' | 'idaa-eps0' | 'clae';
export type CalibrationName = 'raw-pixels' | 'random-encoder';
export type MethodName = SslMethodName | `${SslMethodName}+idaa` | `${SslMethodName}+idaa-eps0` | `${SslMethodName}+clae` | CalibrationName;

export type Row = { kind: 'calibration'; name: CalibrationName } | { kind: 'ssl'; ssl: SslMethodName; variant: Variant };

export const CALIBRATIONS: readonly CalibrationName[] = ['raw-pixels', 'random-encoder'];
export const VARIANTS: readonly Variant[] = ['plain', 'idaa', 'idaa-eps0', 'clae'];

/** The paper's CLAE ε, in normalised-pixel units (the IDAA authors' `main_clae.py --eps 0.03`). */
export const CLAE_EPS = 0.03;

export function parseRow(m: MethodName): Row {
  if ((CALIBRATIONS as readonly string[]).includes(m)) return { kind: 'calibration', name: m as CalibrationName };
  const [ssl, variant = 'plain'] = m.split('+') as [SslMethodName, Variant | undefined];
  return { kind: 'ssl', ssl, variant };
}

export function rowName(r: Row): MethodName {
  if (r.kind === 'calibration') return r.name;
  return (r.variant === 'plain' ? r.ssl : `${r.ssl}+${r.variant}`) as MethodName;
}

/** A file-name-safe id part: `simclr+idaa-eps0` → `simclr-idaa-eps0`. */
export function rowSlug(m: MethodName): string {
  return m.replace('+', '-');
}

/** Whether a row trains with the VAE's latent attack (and so needs a VAE cell). */
export function rowUsesVae(r: Row): boolean {
  return r.kind === 'ssl' && r.variant === 'idaa';
}

/** The config fields that make a row what it is, laid over the spec's overrides. */
export function rowConfig(r: Row, claeEps: number): RunConfigInput {
  if (r.kind === 'calibration') return { idaa: { enabled: false } };
  const ssl = { method: r.ssl };
  switch (r.variant) {
    case 'plain':
      return { ssl, idaa: { enabled: false } };
    case 'idaa':
      return { ssl, idaa: { enabled: true, adversary: 'latent' } };
    case 'idaa-eps0':
      return { ssl, idaa: { enabled: true, adversary: 'latent', eps: 0 } };
    case 'clae':
      return { ssl, idaa: { enabled: true, adversary: 'pixel', eps: claeEps } };
  }
}

/** How a row reads in the report. */
export function rowLabel(m: MethodName, transferFrom?: string): string {
  const r = parseRow(m);
  const base = r.kind === 'calibration' ? (r.name === 'raw-pixels' ? 'raw pixels' : 'random encoder') : { plain: r.ssl, idaa: `${r.ssl} + IDAA`, 'idaa-eps0': `${r.ssl} + IDAA ε=0`, clae: `${r.ssl} + CLAE` }[r.variant];
  return transferFrom ? `${base} (VAE from ${transferFrom})` : base;
}
