// The `batch-shaping` command line: one subcommand per file, composed here.
import { Command, CommanderError } from 'commander';
import { registerAnalyzeCommand } from './analyze_command.js';
import { registerDoctorCommand } from './doctor.js';
import { formatCliError } from './error_report.js';
import { registerEvalCommand } from './eval_command.js';
import { registerPrepareCommand } from './prepare_command.js';
import { registerTrainCommand } from './train_command.js';
import { registerVerifyCommand } from './verify_command.js';

export function buildProgram(): Command {
  const program = new Command('batch-shaping')
    .description('conditional channel-gated networks trained with the batch-shaping loss, on TensorFlow.js')
    .option('--debug', 'print the stack trace of an error (accepted anywhere on the command line)')
    .showHelpAfterError()
    .exitOverride();
  registerDoctorCommand(program);
  registerPrepareCommand(program);
  registerTrainCommand(program);
  registerEvalCommand(program);
  registerAnalyzeCommand(program);
  registerVerifyCommand(program);
  return program;
}

/**
 * Runs the command line. Errors become a short message on stderr and exit code 1 (the stack only with
 * `--debug`, accepted anywhere on the line); commander's own usage errors keep their message and code.
 */
export async function main(
  argv: string[],
  writeErr: (text: string) => void = (t) => process.stderr.write(t),
): Promise<void> {
  const debug = argv.includes('--debug');
  const program = buildProgram();
  try {
    await program.parseAsync(argv.filter((a) => a !== '--debug'));
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander printed its own message (unknown option, bad flag value, --help, ...); keep its exit code.
      process.exitCode = err.exitCode;
      return;
    }
    writeErr(`${formatCliError(err, debug)}\n`);
    process.exitCode = 1;
  }
}
