// Bundles the command line (dist/cli/main.js, with the ingest worker beside it) from the sources
// (bundle-cli.mjs says how and why). dist/src … (tsc) still serves anyone importing the modules.
import { bundleCli } from './bundle-cli.mjs'

await bundleCli({ main: 'src/cli/main.ts', 'ingest-worker': 'src/results/ingest-worker.ts' }, 'dist/cli')
