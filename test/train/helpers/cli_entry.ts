// Runs the CLI from the TypeScript sources (tests spawn it as a child process: `node --import tsx <this>`).
import { main } from '../../../src/cli/main.js';

main(process.argv).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
