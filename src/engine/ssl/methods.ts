import { RunConfig } from '../config/types';
import { SslMethod } from './method';
import { simclr } from './simclr';

/**
 * The self-supervised methods by config name. Adding one (SimSiam, BYOL, MoCo) is one file that
 * implements SslMethod — its training loss and the loss the IDAA attack maximises — plus a line
 * here and its name in the schema's `ssl.method` enum.
 */
const METHODS: Record<RunConfig['ssl']['method'], (c: RunConfig) => SslMethod> = {
  simclr: (c) => simclr(c.ssl.temperature),
};

export function sslMethodFor(config: RunConfig): SslMethod {
  return METHODS[config.ssl.method](config);
}
