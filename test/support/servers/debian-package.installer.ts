import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A program the tests run, and the Debian package that ships it. */
export interface SystemBinary {
  binary: string;
  pkg: string;
}

export const REDIS_SERVER: SystemBinary = { binary: 'redis-server', pkg: 'redis-server' };
export const HAPROXY: SystemBinary = { binary: 'haproxy', pkg: 'haproxy' };
export const CHROMIUM: SystemBinary = { binary: 'chromium', pkg: 'chromium' };

export const TEST_SERVER_BINARIES: readonly SystemBinary[] = [REDIS_SERVER, HAPROXY, CHROMIUM];

// haproxy lives in /usr/sbin, which a non-login PATH may lack.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The absolute path of `binary`, or undefined when it is not installed. */
export function findBinary(binary: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function installCommand(pkgs: readonly string[]): string {
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
}

function missingBinaryError(missing: readonly SystemBinary[], why = ''): Error {
  const names = missing.map((m) => m.binary).join(', ');
  return new Error(`${names} not installed${why}; install with: ${installCommand(missing.map((m) => m.pkg))}`);
}

/** The path of the binary; throws with the install command when it is missing (test workers never install). */
export function requireBinary(spec: SystemBinary): string {
  const path = findBinary(spec.binary);
  if (!path) throw missingBinaryError([spec]);
  return path;
}

/**
 * Installs the packages of the missing binaries with apt-get (root only), in one
 * `apt-get update` and one install; throws with the install command when it cannot.
 * Call it from one process at a time: dpkg holds a lock.
 */
export function ensureSystemBinaries(specs: readonly SystemBinary[]): SystemBinary[] {
  const missing = specs.filter((spec) => !findBinary(spec.binary));
  if (missing.length === 0) return [];
  if (process.getuid?.() !== 0) throw missingBinaryError(missing, ' and installing needs root');
  if (!findBinary('apt-get')) throw missingBinaryError(missing, ' and apt-get is not available');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Wait for a lock held by another apt-get (a second test run) instead of failing at once.
  const run = (args: string[]) =>
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60_000 });
  try {
    run(['update']);
    run(['install', '-y', '--no-install-recommends', ...missing.map((m) => m.pkg)]);
  } catch (error) {
    // execFileSync's message is the command line and its stderr; the last lines say why.
    const why = (error as Error).message.trim().split('\n').slice(-4).join(' / ');
    throw missingBinaryError(missing, ` and apt-get failed (${why})`);
  }
  const stillMissing = missing.filter((spec) => !findBinary(spec.binary));
  if (stillMissing.length > 0) throw missingBinaryError(stillMissing, ' after apt-get install');
  return missing;
}
