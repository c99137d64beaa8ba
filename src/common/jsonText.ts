import { findNodeAtLocation, getNodeValue, Node, parseTree, ParseError, printParseErrorCode } from 'jsonc-parser';
import { ConfigError } from './errors';

export type JsonPath = Array<string | number>;

/** A parsed JSON document that can say where each value sits, for errors that point at a line. */
export interface JsonDocument {
  value: unknown;
  /** 1-based line and column of the value at `path` (of its key, for `key: true`), if it is in the text. */
  locate(path: JsonPath, key?: boolean): { line: number; column: number } | undefined;
}

/**
 * Parses strict JSON (no comments, no trailing commas) and keeps the syntax tree for positions.
 * Values are built as JSON.parse builds them: a "__proto__" key becomes an own property, never a
 * prototype, so the validator can refuse it by name.
 */
export function parseJsonText(text: string, file?: string): JsonDocument {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const position = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  if (errors.length || !tree) {
    throw new ConfigError(
      errors.length
        ? // The first syntax error only: the parser's later ones follow from it.
          [{ field: '(file)', value: undefined, allowed: `not valid JSON: ${describeParseError(printParseErrorCode(errors[0]!.error))}`, ...position(errors[0]!.offset) }]
        : [{ field: '(file)', value: '', allowed: 'not valid JSON: the file is empty' }],
      file,
    );
  }
  return {
    value: buildValue(tree),
    locate(path, key) {
      const node = findNodeAtLocation(tree, path);
      if (!node) return undefined;
      const at = key && node.parent?.type === 'property' ? node.parent : node;
      return position(at.offset);
    },
  };
}

function describeParseError(code: string): string {
  // printParseErrorCode gives names like "CommaExpected"; say them as words.
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** Objects get own data properties for every key, "__proto__" included (no prototype is ever set). */
function buildValue(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const obj: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (!k || !v) continue;
        Object.defineProperty(obj, String(k.value), { value: buildValue(v), enumerable: true, writable: true, configurable: true });
      }
      return obj;
    }
    case 'array':
      return (node.children ?? []).map(buildValue);
    default:
      return getNodeValue(node);
  }
}
