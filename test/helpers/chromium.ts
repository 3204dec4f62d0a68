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

/**
 * Launches Chromium with its profile in `profileDir`; the caller closes the returned context. `webgpu: true`
 * leaves the GPU process on and exposes WebGPU (`--enable-unsafe-webgpu`): without a GPU Chromium offers its
 * SwiftShader software adapter.
 */
export async function launchChromium(
  profileDir: string,
  viewport?: { width: number; height: number },
  options: { webgpu?: boolean } = {},
) {
  const { chromium } = await import('playwright-core');
  const args = options.webgpu
    ? [...ARGS.filter((a) => a !== '--disable-gpu'), '--enable-unsafe-webgpu']
    : ARGS;
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    ...(viewport === undefined ? {} : { viewport }),
  });
}
