#!/usr/bin/env node
// Command-line entry: the compiled CLI lives in dist/ (run `npm run build` first). main() prints errors itself
// (a short message; the stack with --debug) and sets the exit code.
import { main } from '../dist/cli/main.js';

await main(process.argv);
