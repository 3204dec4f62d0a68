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
