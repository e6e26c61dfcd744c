import { cpus, totalmem } from 'node:os';

/** What a result was measured on; every results file records it. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
}

export function thisMachine(): Machine {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version };
}
