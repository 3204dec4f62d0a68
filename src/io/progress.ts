// The one progress interface of the library: long work (training epochs, evaluation, dataset preparation,
// gate recording) reports `done` of `total` items with a short status text, and finishes with a message.
// Where it is shown is the caller's choice: a terminal bar (terminal_progress.ts, the CLI's default), an
// output cell updated in place (notebook/notebook_progress.ts), or nothing (silentProgress).

export interface Progress {
  /** Reports `done` of `total` (total may change, e.g. when first known) and an optional status text. */
  update(done: number, total?: number, status?: string): void;
  /** Shows the final state with an optional message; the progress is not updated after this. */
  finish(message?: string): void;
}

/** Opens a progress display for a labelled piece of work; `start` is where a resumed piece begins. */
export type ProgressFactory = (label: string, total?: number, start?: number) => Progress;

/** A progress that shows nothing. */
export const silentProgress: ProgressFactory = () => ({
  update() {},
  finish() {},
});
