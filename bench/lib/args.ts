// Shared by the benchmarks: command-line options, checked, with the script named in the error.

/** The integer >= 1 after `flag` in process.argv, or `fallback` when the flag is absent. */
export function intArg(script: string, flag: string, fallback: number): number {
  const i = process.argv.indexOf(flag);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!(Number.isInteger(v) && v >= 1)) {
    throw new Error(`${script}: option '${flag}' must be an integer >= 1; got ${process.argv[i + 1]}`);
  }
  return v;
}

/** The text after `flag` in process.argv, or undefined when the flag is absent. */
export function stringArg(script: string, flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${script}: option '${flag}' needs a value`);
  return v;
}

/** The result name after `--out` (a file name under bench/results/, no path), or `fallback`. */
export function outArg(script: string, fallback: string): string {
  const i = process.argv.indexOf('--out');
  const name = i >= 0 ? process.argv[i + 1] : fallback;
  if (name === undefined || !/^[\w.-]+$/.test(name)) {
    throw new Error(
      `${script}: option '--out' must be a file name (letters, digits, '.', '-', '_'); got ${name}`,
    );
  }
  return name;
}
