// The WebGPU adapter as the engine sees it: the few members of Dawn's GPU objects it touches
// (typed here, so nothing depends on @webgpu/types being installed), how to name an adapter in a
// log line, and a requestDevice that never asks for what the adapter lacks.

/** What `adapter.info` (or the older `requestAdapterInfo()`) reports. */
export interface WebGpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software adapter (SwiftShader, lavapipe, WARP): correct, but slower than the wasm backend. */
  isFallbackAdapter: boolean;
}

/** GPUAdapter, as far as the engine and tfjs-backend-webgpu 4.22 use it. */
export interface GpuAdapterLike {
  readonly features: ReadonlySet<string>;
  readonly limits: object;
  readonly info?: object;
  requestAdapterInfo?(): Promise<object>;
  requestDevice(descriptor?: GpuDeviceDescriptor): Promise<GpuDeviceLike>;
}

export interface GpuDeviceDescriptor {
  requiredFeatures?: Iterable<unknown>;
  requiredLimits?: Record<string, number | undefined>;
  label?: string;
}

export interface GpuDeviceLike {
  readonly lost?: Promise<{ reason?: string; message?: string }>;
}

/** navigator.gpu: Dawn's GPU object. */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power'; forceFallbackAdapter?: boolean }): Promise<GpuAdapterLike | null>;
  getPreferredCanvasFormat?(): string;
}

function text(o: object, key: string): string {
  const v: unknown = (o as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : '';
}

/** Software renderers that Dawn may offer without flagging them as a fallback adapter. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|microsoft basic render|warp/i;

export async function adapterInfo(adapter: GpuAdapterLike): Promise<WebGpuAdapterInfo> {
  // `info` is the current spec; tfjs 4.22 also tries requestAdapterInfo(), which older Dawn builds had.
  const raw = adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo().catch(() => ({})) : {});
  const info = {
    vendor: text(raw, 'vendor'),
    architecture: text(raw, 'architecture'),
    device: text(raw, 'device'),
    description: text(raw, 'description'),
  };
  const flagged = (raw as { isFallbackAdapter?: unknown }).isFallbackAdapter === true;
  const software = SOFTWARE.test(`${info.architecture} ${info.device} ${info.description}`);
  return { ...info, isFallbackAdapter: flagged || software };
}

/** e.g. `"NVIDIA H200" (nvidia, hopper)`; empty fields are left out. */
export function describeAdapter(info: WebGpuAdapterInfo): string {
  const name = info.description || info.device || 'unnamed adapter';
  const rest = [info.vendor, info.architecture].filter((s) => s !== '');
  return `"${name}"${rest.length > 0 ? ` (${rest.join(', ')})` : ''}${info.isFallbackAdapter ? ', software' : ''}`;
}

/** What the device request changed, for the log. */
export interface DeviceRequestNotes {
  droppedFeatures: string[];
  droppedLimits: string[];
  /** The last requestDevice failure, if any: tfjs only says that initialisation failed. */
  error?: string;
}

/**
 * Wraps `adapter.requestDevice` so that the descriptor tfjs-backend-webgpu 4.22 builds cannot be
 * refused for what it asks: it pushes `['bgra8unorm-storage']` (an array, not a name) into
 * requiredFeatures, which strict WebGPU implementations reject, and copies limits that an adapter
 * may not report. Features become strings and only those the adapter has are kept; limits that
 * are not numbers, or exceed the adapter's, are dropped.
 */
export function guardRequestDevice(adapter: GpuAdapterLike, notes: DeviceRequestNotes): GpuAdapterLike {
  const original = adapter.requestDevice.bind(adapter);
  const limits = adapter.limits as Record<string, unknown>;
  const requestDevice = async (descriptor: GpuDeviceDescriptor = {}): Promise<GpuDeviceLike> => {
    const features: string[] = [];
    for (const f of descriptor.requiredFeatures ?? []) {
      const name = Array.isArray(f) ? String(f[0]) : String(f);
      if (adapter.features.has(name) && !features.includes(name)) features.push(name);
      else if (!notes.droppedFeatures.includes(name)) notes.droppedFeatures.push(name);
    }
    const requiredLimits: Record<string, number> = {};
    for (const [k, v] of Object.entries(descriptor.requiredLimits ?? {})) {
      const max = limits[k];
      if (typeof v === 'number' && typeof max === 'number' && v <= max) requiredLimits[k] = v;
      else if (!notes.droppedLimits.includes(k)) notes.droppedLimits.push(k);
    }
    try {
      return await original({ ...descriptor, requiredFeatures: features, requiredLimits });
    } catch (e) {
      notes.error = e instanceof Error ? e.message : String(e);
      throw e;
    }
  };
  // A plain object with what tfjs reads (features, limits, info, requestDevice): Dawn's getters
  // refuse a `this` that is not their own object, so the adapter cannot simply be a prototype.
  return {
    features: adapter.features,
    limits: adapter.limits,
    ...(adapter.info !== undefined ? { info: adapter.info } : {}),
    ...(adapter.requestAdapterInfo ? { requestAdapterInfo: adapter.requestAdapterInfo.bind(adapter) } : {}),
    requestDevice,
  };
}
