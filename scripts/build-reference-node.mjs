// Bundles the reference node into one file (dist/reference-node.mjs) that the providers can
// run anywhere Node runs: a local child process, a container, a remote host over SSH.
import { build } from 'esbuild'

// dist/alt-node.mjs: a second node program (test/fixtures/alt-node), the tests' custom build.
for (const [entry, outfile] of [['environments/reference-node/main.ts', 'dist/reference-node.mjs'], ['test/fixtures/alt-node/main.ts', 'dist/alt-node.mjs']]) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    // V8 keeps a script's source for as long as it runs (functions compile on first call): without
    // the whitespace, each node holds 0.8 MB less source and 3 MB less memory in all, which is
    // 150 MB over a fifty-node cluster. Names are kept, so a node's stack traces still read.
    minifyWhitespace: true,
    minifySyntax: true,
    // Some bundled CommonJS modules call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  })
}
