// Why Dawn offered no adapter, in words a user can act on. Dawn prints its own reason on stderr
// from native code (out of reach of the log), so this looks at what it needs: on Linux the Vulkan
// loader (libvulkan.so.1) and a Vulkan driver (an ICD manifest).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** What the machine has, read from the filesystem and environment (injectable for tests). */
export interface VulkanProbe {
  platform: NodeJS.Platform;
  /** libvulkan.so.1 is in the dynamic linker's cache or on LD_LIBRARY_PATH. */
  loaderFound: boolean;
  /** ICD manifest file names (e.g. nvidia_icd.json, lvp_icd.x86_64.json). */
  drivers: string[];
}

const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

function manifests(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
}

export function probeVulkan(env: NodeJS.ProcessEnv = process.env): VulkanProbe {
  const platform = process.platform;
  if (platform !== 'linux') return { platform, loaderFound: true, drivers: [] };
  const onPath = (env.LD_LIBRARY_PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, 'libvulkan.so.1')));
  let inCache = false;
  try {
    inCache = readFileSync('/etc/ld.so.cache').includes('libvulkan.so.1');
  } catch {
    // no linker cache: only LD_LIBRARY_PATH counts
  }
  // VK_DRIVER_FILES / VK_ICD_FILENAMES replace the search directories when set.
  const listed = (env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? '').split(delimiter).filter((f) => f !== '');
  const drivers = listed.length > 0 ? listed.filter((f) => existsSync(f)).map((f) => f.split('/').pop() ?? f) : ICD_DIRS.flatMap(manifests);
  return { platform, loaderFound: onPath || inCache, drivers };
}

/** Drivers known to be refused by Dawn (webgpu 0.6.2) or to be software. */
function driverNote(drivers: readonly string[]): string {
  if (drivers.length === 0) return 'no Vulkan driver is installed (no ICD manifest in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d)';
  const lavapipeOnly = drivers.every((d) => /^lvp_icd/.test(d));
  if (lavapipeOnly) {
    return `the only Vulkan driver is Mesa's lavapipe (${drivers.join(', ')}), which Dawn refuses ("Vulkan shaderUniform*ArrayDynamicIndexing required")`;
  }
  return `Dawn accepted none of the Vulkan drivers ${drivers.join(', ')} (its reason is on stderr above)`;
}

/** The reason for a null requestAdapter(), as one clause. */
export function noAdapterReason(probe: VulkanProbe = probeVulkan()): string {
  const head = 'navigator.gpu.requestAdapter() returned null';
  if (probe.platform !== 'linux') return `${head}: Dawn found no Metal/D3D12/Vulkan GPU it can use (its reason is on stderr above)`;
  if (!probe.loaderFound) return `${head}: the Vulkan loader libvulkan.so.1 is not installed (Debian: apt-get install libvulkan1, plus the GPU's Vulkan driver)`;
  return `${head}: ${driverNote(probe.drivers)}`;
}
