import type { RunConfig, SslMethodName } from '../config/types';
import { byol } from './byol';
import { SslMethod } from './method';
import { mocov2 } from './mocov2';
import { simclr } from './simclr';
import { simsiam } from './simsiam';

/**
 * The self-supervised methods by config name. Adding one is one file implementing SslMethod (its
 * networks, training loss, attack loss and per-step update), a line here, its name in the schema's
 * `ssl.method` enum and its defaults in config/methodDefaults.ts.
 */
const METHODS: Record<SslMethodName, (c: RunConfig) => SslMethod> = { simclr, simsiam, byol, mocov2 };

export const SSL_METHODS = Object.keys(METHODS) as SslMethodName[];

export function sslMethodFor(config: RunConfig): SslMethod {
  return METHODS[config.ssl.method](config);
}
