/** Matches '/v1/threads/:id/runs' against a concrete path; returns the ':name' values, or undefined. */
export function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const parts = pattern.split('/');
  const segments = path.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(segments[i]);
    else if (part !== segments[i]) return undefined;
  }
  return params;
}

/** True when 'METHOD /pattern/:param' (or a concrete 'METHOD /path') names this request. */
export function requestMatches(route: string, method: string, path: string): boolean {
  const [wantedMethod, pattern] = route.trim().split(/\s+/);
  return wantedMethod?.toUpperCase() === method && pattern !== undefined && matchPattern(pattern, path) !== undefined;
}
