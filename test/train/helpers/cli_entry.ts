// Runs the CLI from the TypeScript sources (tests spawn it as a child process: `node --import tsx <this>`).
import { main } from '../../../src/cli/main.js';

await main(process.argv);
