import { DomainError } from './errors';

/** How deeply a request body may nest: our own documents need 4 levels; 32 leaves room and stops stack attacks. */
export const MAX_JSON_DEPTH = 32;

/** The deepest nesting of arrays and objects in `text`, counted without recursion (strings are skipped). */
export function jsonDepth(text: string, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest && (deepest = depth) > stopAbove) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/**
 * Parses a JSON document from a client: 400 `request.malformed` when it is not JSON, 400 `request.too_deep` when it
 * nests deeper than `maxDepth` (checked before parsing, so nothing downstream recurses through it).
 */
export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepth(text, maxDepth) > maxDepth) {
    throw new DomainError('request.too_deep', `The JSON nests deeper than ${maxDepth} levels`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DomainError('request.malformed', 'The request body is not valid JSON');
  }
}
