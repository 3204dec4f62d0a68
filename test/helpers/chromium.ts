// Test setup: Debian's Chromium driven by playwright-core, headless, with the flags this closed network needs
// (no background networking, no QUIC, no first-run work) and a fresh profile per launch.
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

/** A node:test `skip` value: false when Chromium is installed, else the reason. */
export const skipWithoutChromium: false | string = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is absent (apt-get install chromium)`;

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Chromium with its profile in `profileDir`; the caller closes the returned context. */
export async function launchChromium(profileDir: string, viewport?: { width: number; height: number }) {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    ...(viewport === undefined ? {} : { viewport }),
  });
}
