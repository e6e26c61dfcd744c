import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM, requireBinary } from './debian-package.installer';

// We run as root (no sandbox) on a machine whose network is closed: without the
// background-networking flags chromium's own connections are refused, many at a time.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Debian's chromium driven by playwright-core (never a downloaded browser). launch()
 * gives it a new empty profile directory of its own and removes it on close().
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = requireBinary(CHROMIUM);
  return chromium.launch({ executablePath, args: FLAGS, timeout: 15_000 });
}
