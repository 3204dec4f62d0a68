// Test helper: a temporary root (removed after the file's tests) handing out a fresh { src, out } pair per
// case, so that no preparation test sees another's files.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export function freshDirs(prefix: string): (srcName?: string) => { src: string; out: string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  return (srcName = 'src') => {
    const dir = join(root, String(n++));
    mkdirSync(join(dir, srcName), { recursive: true });
    return { src: join(dir, srcName), out: join(dir, 'out') };
  };
}
