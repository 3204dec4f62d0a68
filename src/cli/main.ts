// The `batch-shaping` command line: one subcommand per file, composed here.
import { Command } from 'commander';
import { registerAnalyzeCommand } from './analyze_command.js';
import { registerDoctorCommand } from './doctor.js';
import { registerEvalCommand } from './eval_command.js';
import { registerPrepareCommand } from './prepare_command.js';
import { registerTrainCommand } from './train_command.js';

export function buildProgram(): Command {
  const program = new Command('batch-shaping')
    .description('conditional channel-gated networks trained with the batch-shaping loss, on TensorFlow.js')
    .showHelpAfterError()
    .exitOverride();
  registerDoctorCommand(program);
  registerPrepareCommand(program);
  registerTrainCommand(program);
  registerEvalCommand(program);
  registerAnalyzeCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    // commander already printed its own message (unknown option, --help, ...); keep its exit code.
    const code = (err as { exitCode?: number }).exitCode;
    if (code !== undefined) {
      process.exitCode = code;
      return;
    }
    throw err;
  }
}
