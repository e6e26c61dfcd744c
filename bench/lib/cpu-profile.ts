import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  busyMs: number;
  /** Share of busy time per package (node_modules name, "node" for Node's internals, "service" for dist/). */
  byPackage: Array<[string, number]>;
  /** Share of busy time per function (self time). */
  byFunction: Array<[string, number]>;
}

/** Self time of a `--cpu-prof` profile, grouped by package and by function, idle time left out. */
export function summarizeProfile(path: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busyMs = 0;
  for (const node of profile.nodes) {
    const ms = selfMs.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(root)') continue;
    busyMs += ms;
    const where = packageOf(url, functionName);
    byPackage.set(where, (byPackage.get(where) ?? 0) + ms);
    const name = `${functionName || '(anonymous)'} (${where}${url ? `:${lineNumber + 1}` : ''})`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  }
  const shares = (map: Map<string, number>): Array<[string, number]> =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => [name, ms / busyMs]);
  return { busyMs, byPackage: shares(byPackage), byFunction: shares(byFunction) };
}

function packageOf(url: string, functionName: string): string {
  const dependency = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (dependency) return dependency;
  if (url.startsWith('node:')) return 'node';
  if (url.includes('/dist/')) return 'service';
  return url === '' ? functionName : url;
}
