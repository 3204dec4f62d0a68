// Prepares imagenet: official raw files -> Arrow shards + meta.json (see src/data/prepare/ for the formats).
// Usage: node --import tsx data-scripts/imagenet/prepare.ts --source <dir|archive> --out <dir> [--download]
//        [--shard-size n] [--size ...] [--workers n] [--quiet]     (--help lists every option)
import { runPrepareScript } from '../../src/cli/prepare_command.js';

await runPrepareScript('imagenet', process.argv);
