/**
 * Where a config issue sits in the text, as a range to underline: the value of a bad field, the key
 * of an unknown one, the key of the object that misses a required field, the spot of a syntax
 * error. The engine's validation gives each issue its field and (when the value is in the file) its
 * 1-based line and column; this turns them into a range of the document. tfjs-free (jsonc-parser
 * only), for the extension host's diagnostics.
 */
import { findNodeAtLocation, findNodeAtOffset, Node, parseTree } from 'jsonc-parser';
import type { ConfigIssue } from '../errors';

export interface TextRange {
  /** 0-based offsets into the text, end exclusive. */
  start: number;
  end: number;
}

/** "ssl.batchSize" → ["ssl", "batchSize"]; "augment.cropScale[1]" → ["augment", "cropScale", 1]. */
export function fieldPath(field: string): Array<string | number> {
  if (!field || field.startsWith('(')) return [];
  const path: Array<string | number> = [];
  for (const part of field.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      path.push(part);
      continue;
    }
    if (m[1]) path.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(idx[1]));
  }
  return path;
}

/** The one-line message of an issue, as the CLI says it (without the file and position). */
export function issueMessage(i: ConfigIssue): string {
  if (i.field === '(file)') return i.allowed;
  const shown = i.value === undefined ? 'is missing' : `is ${truncate(JSON.stringify(i.value))}`;
  return `config field "${i.field}" ${shown}; allowed: ${i.allowed}`;
}

/** Offsets of 1-based line starts, for line/column → offset. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function rangeOf(node: Node): TextRange {
  return { start: node.offset, end: node.offset + Math.max(1, node.length) };
}

/** The range to mark for a node: its value, or for an object or array over several lines the key that holds it (the whole block would swamp the view). */
function markOf(node: Node, text: string): TextRange {
  const block = node.type === 'object' || node.type === 'array';
  if (!block || (node.length <= 80 && !text.slice(node.offset, node.offset + node.length).includes('\n'))) return rangeOf(node);
  if (node.parent?.type === 'property') return rangeOf(node.parent.children![0]!);
  if (node.type === 'object' || node.type === 'array') return { start: node.offset, end: node.offset + 1 };
  return rangeOf(node);
}

/**
 * The range of each issue in `text`: from its line and column when it has them (the node there:
 * a key stays a key, a value its value), else from its field's path (the deepest part of it that
 * is in the text), else the first character.
 */
export function issueRange(text: string, issue: ConfigIssue): TextRange {
  const tree = parseTree(text, [], { disallowComments: true, allowTrailingComma: false });
  const fallback: TextRange = { start: 0, end: Math.min(1, text.length) };
  if (issue.line !== undefined && issue.column !== undefined) {
    const starts = lineStarts(text);
    const start = starts[issue.line - 1];
    if (start !== undefined) {
      const offset = Math.min(text.length, start + issue.column - 1);
      if (issue.field === '(file)' || !tree) return syntaxRange(text, offset);
      const node = findNodeAtOffset(tree, offset, false);
      if (node && node.offset === offset) {
        const isKey = node.parent?.type === 'property' && node.parent.children?.[0] === node;
        return isKey ? rangeOf(node) : markOf(node, text);
      }
    }
  }
  if (!tree) return fallback;
  const path = fieldPath(issue.field);
  for (let n = path.length; n > 0; n--) {
    const node = findNodeAtLocation(tree, path.slice(0, n));
    if (node) return markOf(node, text);
  }
  return tree.type === 'object' ? { start: tree.offset, end: tree.offset + 1 } : fallback;
}

/** A syntax error's spot: the token there, or one character. */
function syntaxRange(text: string, offset: number): TextRange {
  let end = offset;
  while (end < text.length && /[^\s,:{}[\]"]/.test(text[end]!)) end++;
  return { start: offset, end: Math.max(end, Math.min(offset + 1, text.length)) };
}

function truncate(s: string | undefined): string {
  if (s === undefined) return 'undefined';
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
