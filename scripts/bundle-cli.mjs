// How the command line is bundled (build-cli.mjs), and anything measured as it runs (bench:ingest).
// A command's start-up is mostly loading modules: zod alone is a hundred files (every locale),
// yaml, commander and Gherkin dozens more. Bundled and tree-shaken they load in one pass:
// `catalogue --json` starts 0.07 s sooner. Packages with native code, WebAssembly or files of
// their own stay in node_modules and load as they always do.
import { rmSync } from 'node:fs'
import { build } from 'esbuild'
import { axiosLazyDeps } from './axios-lazy-deps.mjs'

// with their own dependencies (class-transformer and reflect-metadata are @cucumber/messages')
const BUNDLED = ['axios', 'proxy-from-env', 'commander', 'zod', 'yaml', '@cucumber/gherkin', '@cucumber/messages', '@cucumber/tag-expressions', 'class-transformer', 'reflect-metadata']

/**
 * Bundles `entryPoints` (name → source) into `outdir`, emptied first (chunks are named by content:
 * old ones would pile up). `axios: false` for a bundle without it (its patches check they were made).
 */
export async function bundleCli(entryPoints, outdir, { axios = true } = {}) {
  rmSync(outdir, { recursive: true, force: true })
  await build({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    sourcemap: true,
    plugins: [
      ...(axios ? [axiosLazyDeps] : []),
      {
        name: 'node-modules-external',
        setup(b) {
          // every other package is imported at run time from node_modules
          b.onResolve({ filter: /^[^./]/ }, (args) => (BUNDLED.some((p) => args.path === p || args.path.startsWith(`${p}/`)) || args.path.startsWith('node:') ? undefined : { path: args.path, external: true }))
        },
      },
    ],
    // Bundled CommonJS modules call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  })
}
