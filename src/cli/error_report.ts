// What the command line prints when a command fails: one short paragraph naming the file or flag and what
// was expected (the library's errors are written that way), never a stack trace unless `--debug` is given.
// An error the program did not foresee (a TypeError from deep inside a library, say) is printed with the
// same brevity plus a hint, so a user can tell "my input is wrong" from "this is a bug".
const UNFORESEEN = new Set(['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError', 'AssertionError']);

function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let at: unknown = err;
  while (at !== undefined && chain.length < 8) {
    chain.push(at);
    at = at instanceof Error ? at.cause : undefined;
  }
  return chain;
}

/** The text printed for `err` (without a trailing newline). */
export function formatCliError(err: unknown, debug: boolean): string {
  if (!(err instanceof Error)) return `error: ${String(err)}`;
  if (debug) {
    return causes(err)
      .map(
        (e, i) => `${i === 0 ? '' : 'caused by: '}${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      )
      .join('\n');
  }
  let text = `error: ${err.message}`;
  // A cause whose message the outer one does not repeat adds information.
  for (const cause of causes(err).slice(1)) {
    const m = cause instanceof Error ? cause.message : String(cause);
    if (m !== '' && !text.includes(m)) text += `\n  cause: ${m}`;
  }
  if (UNFORESEEN.has(err.name)) {
    text +=
      '\n(an unexpected error: the input may be damaged in a way the program does not check, or this is a bug; ' +
      'run the command again with --debug for the stack trace and report it if the inputs look right)';
  }
  return text;
}
