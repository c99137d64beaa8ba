import type { RunConfig } from './types';

/**
 * Whether a run's adversarial view needs the VAE: only IDAA's latent step with ε > 0. CLAE's pixel
 * step never uses it, and at ε = 0 either step leaves x_adv = x_i (the extra view alone), so such
 * runs pre-train no VAE and load none.
 */
export function usesVae(c: RunConfig): boolean {
  return c.idaa.enabled && c.idaa.adversary === 'latent' && c.idaa.eps > 0;
}
