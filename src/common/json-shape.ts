/** Deeper than any body this API takes; deep enough to refuse before recursive validators overflow the stack. */
export const MAX_JSON_DEPTH = 32;

/** Names that reach Object.prototype; validators drop or skip them silently, so they are refused here instead. */
const PROTOTYPE_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** Why a parsed JSON body is unacceptable whatever the route, or undefined when it is fine. */
export function jsonShapeProblem(value: unknown): string | undefined {
  const pending: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 1 }];
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_JSON_DEPTH) return `The request body is nested deeper than ${MAX_JSON_DEPTH} levels`;
    for (const [key, child] of Object.entries(node)) {
      if (!Array.isArray(node) && PROTOTYPE_KEYS.has(key)) return `property ${key} should not exist`;
      pending.push({ node: child, depth: depth + 1 });
    }
  }
  return undefined;
}
