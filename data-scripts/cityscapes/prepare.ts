// Prepares cityscapes: official raw files -> Arrow shards + meta.json (formats: docs/architecture.md, section 4).
// Usage: node --import tsx data-scripts/cityscapes/prepare.ts --source <dir|archive> --out <dir> [--download]
//        [--shard-size n] [--size ...] [--workers n] [--quiet]     (--help lists every option)
import { runPrepareScript } from '../prepare_script.js';

await runPrepareScript('cityscapes', process.argv);
