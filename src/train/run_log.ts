// The text log of a run (train.log, appended across resumes, one timestamped line per event) and its echo
// on the console. The log is the one file of a run that is appended rather than replaced: a kill loses at
// most the line being written, and the lines before stay readable.
import { appendFile } from 'node:fs/promises';

export type RunLog = (line: string, toConsole?: boolean) => Promise<void>;

/** Appends to `path` and, unless toConsole is false, prints the line. */
export function runLog(path: string, print: (line: string) => void): RunLog {
  return async (line, toConsole = true) => {
    await appendFile(path, `[${new Date().toISOString()}] ${line}\n`);
    if (toConsole) print(line);
  };
}
