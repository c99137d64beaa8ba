/**
 * Path confinement: a requested path is allowed only when its real location (every link followed)
 * lies inside one of the allowed roots, and a root that is open for reading only is never written.
 *
 * Paths that do not exist yet (a new run folder, a file about to be written) are resolved through
 * their nearest existing parent, and a dangling link on the way is followed to where it points, so a
 * write through it cannot land outside either. tfjs- and vscode-free: any side may use it.
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { PathOutsideRootError } from './errors';

export type Access = 'read' | 'write';

export interface AllowedRoot {
  path: string;
  /** 'write': read and written (the runs folder); 'read': read only (a dataset folder). */
  access: Access;
}

/** More links than this on one path is a loop (the kernel's own limit is 40). */
const MAX_LINKS = 40;

function missing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The real path of `p` (made absolute against the working directory first). For a path that does
 * not exist: the real path of its nearest existing parent plus the rest. Throws the fs error for
 * anything but "does not exist" (a link loop, no permission).
 */
export function realPathOf(p: string): string {
  return resolveReal(resolve(p), 0);
}

function resolveReal(abs: string, links: number): string {
  try {
    return realpathSync.native(abs);
  } catch (e) {
    if (!missing(e)) throw e;
  }
  const parent = dirname(abs);
  if (parent === abs) return abs;
  const realParent = resolveReal(parent, links);
  const leaf = join(realParent, basename(abs));
  let isLink = false;
  try {
    isLink = lstatSync(leaf).isSymbolicLink();
  } catch (e) {
    if (!missing(e)) throw e;
    return leaf; // nothing there yet: it will be created here
  }
  if (!isLink) return leaf;
  // A dangling link: whatever is created through it lands at its target, so resolve that.
  if (links >= MAX_LINKS) throw Object.assign(new Error(`${abs}: too many levels of symbolic links`), { code: 'ELOOP' });
  return resolveTarget(realParent, readlinkSync(leaf), links + 1);
}

/**
 * A link's target, one component at a time from the link's (real) folder: `..` after a link in the
 * target must climb from where that link leads, which a lexical normalisation would get wrong.
 */
function resolveTarget(realDir: string, target: string, links: number): string {
  const root = isAbsolute(target) ? parse(target).root : '';
  let cur = root || realDir;
  for (const part of target.slice(root.length).split(sep === '\\' ? /[\\/]+/ : /\/+/)) {
    if (part === '' || part === '.') continue;
    cur = part === '..' ? dirname(cur) : resolveReal(join(cur, part), links);
  }
  return cur;
}

/** Whether `p` is `root` or lies below it (both absolute; real paths for a meaningful answer). */
export function isInside(p: string, root: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** A manifest entry's `file`: one plain name in the checkpoints folder, nothing that could climb out. */
export function isPlainFileName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && !/[/\\\0]/.test(name) && !name.includes('..') && name !== '.';
}

export interface ConfineOptions {
  /** What the path is, for the message ("checkpoint", "run folder"). */
  what?: string;
  /** The config field that named it, when one did. */
  field?: string;
}

/**
 * The real path of `requested` when it lies inside one of `roots` that allows `access`; otherwise
 * a PathOutsideRootError naming the path, the roots and why.
 */
export function confinePath(requested: string, roots: readonly AllowedRoot[], access: Access, opts: ConfineOptions = {}): string {
  const usable = roots.filter((r) => access === 'read' || r.access === 'write');
  const realRoots = usable.map((r) => realPathOf(r.path));
  const refuse = (extra: { real?: string; detail?: string }): PathOutsideRootError =>
    new PathOutsideRootError(String(requested), realRoots, { ...opts, ...extra });
  if (typeof requested !== 'string' || requested === '' || requested.includes('\0')) throw refuse({ detail: 'not a usable path' });
  let real: string;
  try {
    real = realPathOf(requested);
  } catch (e) {
    throw refuse({ detail: `it cannot be resolved (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  }
  if (realRoots.some((root) => isInside(real, root))) return real;
  // Name a read-only root that would have allowed it, so a refused write says why.
  const readOnly = access === 'write' ? roots.find((r) => r.access === 'read' && isInside(real, realPathOf(r.path))) : undefined;
  if (readOnly) throw refuse({ real, detail: `${realPathOf(readOnly.path)} may be read, never written` });
  throw refuse({ real });
}
