// Bundles the reference node into one file (dist/reference-node.mjs) that the providers can
// run anywhere Node runs: a local child process, a container, a remote host over SSH.
import { build } from 'esbuild'

await build({
  entryPoints: ['environments/reference-node/main.ts'],
  outfile: 'dist/reference-node.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // Some bundled CommonJS modules call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
})
