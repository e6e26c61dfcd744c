import { type Exchange } from './http';
import type { Fault } from './types';

const DEFAULT_FAULT_BODY = { error: { message: 'fake failure', type: 'server_error', param: null, code: null } };

const DEFAULT_ROUTES: Partial<Record<Fault['kind'], string>> = {
  'response-status': 'POST /v1/responses',
  'conversation-locked': 'POST /v1/responses',
  'run-outcome': 'POST /v1/threads/:id/runs',
};

/** Parameter names do not matter: 'POST /v1/threads/:threadId/runs' matches 'POST /v1/threads/:id/runs'. */
function normalize(route: string): string {
  return route.trim().replace(/\s+/, ' ').replace(/\/:[^/]+/g, '/:');
}

export function faultRoute(fault: Fault): string | undefined {
  return 'route' in fault && fault.route ? fault.route : DEFAULT_ROUTES[fault.kind];
}

/** True when the fault's route is this route's pattern or this exact 'METHOD /path'. */
export function routeMatches(fault: Fault, method: string, pattern: string, path: string): boolean {
  const route = faultRoute(fault);
  if (!route) return false;
  const wanted = normalize(route);
  return wanted === normalize(`${method} ${pattern}`) || wanted === `${method} ${path}`;
}

export class FaultQueue {
  private entries: Array<{ fault: Fault; remaining: number }> = [];

  push(fault: Fault): void {
    this.entries.push({ fault, remaining: fault.times ?? 1 });
  }

  /** Consumes one use of the first queued fault that accept() takes. */
  take(accept: (fault: Fault) => boolean): Fault | undefined {
    const entry = this.entries.find((e) => accept(e.fault));
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.entries = this.entries.filter((e) => e !== entry);
    return entry.fault;
  }

  get pending(): Fault[] {
    return this.entries.map((e) => e.fault);
  }

  clear(): void {
    this.entries = [];
  }
}

/** Answers per the fault; true when the request should go on to its handler. */
export async function applyFault(fault: Fault, ex: Exchange): Promise<boolean> {
  switch (fault.kind) {
    case 'status':
      ex.json(fault.status, fault.body ?? DEFAULT_FAULT_BODY, fault.headers);
      return false;
    case 'malformed-json':
      ex.malformedJson();
      return false;
    case 'hang':
      return false;
    case 'reset':
      ex.destroy();
      return false;
    case 'delay':
      return ex.sleep(fault.ms);
    default:
      ex.fault = fault;
      return true;
  }
}
