// Prepares cityscapes: official raw files -> Arrow shards + meta.json (see src/data/prepare/ for the formats).
// Usage: node --import tsx data-scripts/cityscapes/prepare.ts --source <dir|archive> --out <dir> [--download]
//        [--shard-size n] [--size ...] [--workers n] [--quiet]     (--help lists every option)
import { runPrepareScript } from '../../src/cli/prepare_command.js';

await runPrepareScript('cityscapes', process.argv);
