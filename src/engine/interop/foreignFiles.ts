import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CheckpointError } from '../../common/errors';
import { readAtSync, withRegularFileSync } from '../../common/fileGuard';

/**
 * Files `idaa import` is given that are not bundles: PyTorch pickles (.pth/.pt/.t, Lightning
 * .ckpt), which only Python reads, and bare safetensors files without the bundle's JSON. Each is
 * refused with the command that turns it into a bundle (the companion's converter).
 */

/** The companion package's folder (python/ of the repository), found from this file's location. */
export function companionRoot(): string {
  for (let d = __dirname; d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, 'python', 'idaa_torch', '__init__.py'))) return join(d, 'python');
  }
  return 'python';
}

const PICKLE_EXT = /\.(pth|pt|t|tar|bin|pkl|ckpt)$/i;

/** Which converter flag a pickle needs, guessed from the state_dict keys in it (torch.save stores them as plain strings). */
function roleOf(head: Buffer): '--vae' | '--model' | undefined {
  const s = head.toString('latin1');
  if (s.includes('fc11.weight') || s.includes('fc21.weight')) return '--vae';
  if (s.includes('projector.') || s.includes('conv1.weight')) return '--model';
  return undefined;
}

/** Throws a CheckpointError saying what to run, unless `path` is a folder (a bundle) or a bundle's JSON. */
export function refuseForeign(path: string): void {
  if (statSync(path).isDirectory() || path.endsWith('.json')) return;
  const head = withRegularFileSync(path, { what: 'checkpoint' }, (f) => readAtSync(f, 0, Math.min(f.size, 4 * 1024 * 1024)));
  const convert = (flag: string) =>
    `\n  PYTHONPATH=${companionRoot()} /usr/bin/python3 -m idaa_torch.convert ${flag} ${resolve(path)} --out ${resolve(path)}.bundle` +
    `\n  idaa import ${resolve(path)}.bundle` +
    `\n(Debian/Ubuntu: apt-get install -y python3-torch gives /usr/bin/python3 its torch; the package needs nothing else.)`;
  if (head.subarray(0, 8).toString('latin1') === 'IDAACKPT') {
    throw new CheckpointError(path, 'is an IDAA Studio checkpoint already: open it directly (idaa inspect --checkpoint F, the inspector), or `idaa export` it for PyTorch');
  }
  const zip = head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  if (zip || head[0] === 0x80 || PICKLE_EXT.test(path)) {
    const flag = roleOf(head) ?? '--vae|--model';
    throw new CheckpointError(path, `is a PyTorch pickle (${basename(path)}), which only Python can read; convert it with the companion package (python/idaa_torch), then import the folder it writes:${convert(flag)}`);
  }
  if (path.endsWith('.safetensors')) {
    throw new CheckpointError(path, `is a bare safetensors file; import needs a bundle (the weights plus idaa-torch.json, which says the architecture and normalisation). Make one with:${convert(roleOf(head) ?? '--vae|--model')}`);
  }
  throw new CheckpointError(path, 'is neither a bundle folder (idaa export, the companion\'s save_bundle) nor a PyTorch checkpoint');
}
