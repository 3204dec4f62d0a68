// Ctrl-C and SIGTERM for long CLI commands: the first signal aborts an AbortController (train() then
// finishes its step, writes a checkpoint and returns 'interrupted'); a second one exits at once with 130,
// the shell's code for an interrupted command. Library code never installs handlers; only the CLI does.

export interface StopSignals {
  /** Aborted (reason: the signal's name, e.g. 'SIGINT') on the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Removes the handlers. */
  remove(): void;
}

/** Installs the handlers; `exit` is called on a second signal (default process.exit). */
export function stopOnSignals(exit: (code: number) => void = (code) => process.exit(code)): StopSignals {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals) => () => {
    if (controller.signal.aborted) exit(130);
    else controller.abort(sig);
  };
  const onInt = handler('SIGINT');
  const onTerm = handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    remove() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
