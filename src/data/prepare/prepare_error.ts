// PrepareError: the one error type dataset preparation throws for bad input. It always names the
// offending file (or folder) so a user with 1.2 M ImageNet files knows which one to look at.
// Not from any paper: plumbing for data-scripts/<dataset>/prepare.ts.

export class PrepareError extends Error {
  /** Path (or archive member, `archive.tar:member`) of the input that is wrong. */
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options);
    this.name = 'PrepareError';
    this.file = file;
  }
}

/** Message of any thrown value, for wrapping library errors (sharp, zlib, tar) with a file name. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
