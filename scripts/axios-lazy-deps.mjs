// An esbuild plugin for the CLI bundle: axios, bundled, loads on first use what it loads on import
// but a JSON client never uses. On import axios requires form-data (with mime-db) and
// https-proxy-agent, reads the global FormData and seeds its fetch adapter from the global
// Request and Response, which makes Node load its fetch implementation (undici): 35 ms of a
// 300 ms `publish testmo`, paid by every CI job (the official Testmo CLI's whole run is 700 ms).
// It also loads follow-redirects, proxy-from-env and http2, which requests made with
// maxRedirects: 0 and an explicit proxy setting (every publisher's: reporters/service-proxy.ts reads
// the environment once, and axios tunnels with https-proxy-agent only behind a proxy) never
// touch: 12 ms more. Each patch is an
// exact text of the pinned axios: when an upgrade changes one, the build fails naming it, rather
// than shipping axios half patched.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const HELPER = fileURLToPath(new URL('./lazy-export.mjs', import.meta.url))

// path under axios/ → [text in axios 1.21.1, replacement]
const PATCHES = {
  'lib/platform/node/classes/FormData.js': [["import FormData from 'form-data';", `import { lazyExport } from ${JSON.stringify(HELPER)};\nconst FormData = lazyExport('form-data');`]],
  'lib/adapters/http.js': [
    ["import HttpsProxyAgent from 'https-proxy-agent';", `import { lazyExport } from ${JSON.stringify(HELPER)};\nconst HttpsProxyAgent = lazyExport('https-proxy-agent');`],
    // read only when no proxy is configured: the publishers always pass one (false: none)
    ["import { getProxyForUrl } from 'proxy-from-env';", "const proxyFromEnv = lazyExport('proxy-from-env');\nconst getProxyForUrl = (url) => proxyFromEnv.getProxyForUrl(url);"],
    ["import http2 from 'http2';", "const http2 = lazyExport('http2');"],
    // used only when redirects are followed: the publishers pass maxRedirects: 0
    ["import followRedirects from 'follow-redirects';", "const followRedirects = lazyExport('follow-redirects');"],
    ['const { http: httpFollow, https: httpsFollow } = followRedirects;', ''],
    ['transport = isHttpsRequest ? httpsFollow : httpFollow;', 'transport = isHttpsRequest ? followRedirects.https : followRedirects.http;'],
  ],
  'lib/helpers/Http2Sessions.js': [["import http2 from 'http2';", `import { lazyExport } from ${JSON.stringify(HELPER)};\nconst http2 = lazyExport('http2');`]],
  // A global FormData passes the duck-typed test below the instanceof (its tag is FormData), so
  // leaving the constructor out changes no answer and does not load undici.
  'lib/utils.js': [["const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;", 'const FormDataCtor = undefined;']],
  // The default export is imported by nothing (adapters.js reads getFetch, which seeds on first use).
  'lib/adapters/fetch.js': [['const adapter = getFetch();\n\nexport default adapter;', 'export default undefined;']],
}

export const axiosLazyDeps = {
  name: 'axios-lazy-deps',
  setup(build) {
    const applied = new Set()
    build.onLoad({ filter: /[\\/]node_modules[\\/]axios[\\/]lib[\\/]/ }, async (args) => {
      const file = args.path.replace(/\\/g, '/').replace(/^.*\/node_modules\/axios\//, '')
      const patches = PATCHES[file]
      if (!patches) return undefined
      let contents = await readFile(args.path, 'utf8')
      for (const [text, replacement] of patches) {
        if (!contents.includes(text)) return { errors: [{ text: `axios ${file} no longer contains "${text.split('\n')[0]}": update scripts/axios-lazy-deps.mjs for this axios version` }] }
        contents = contents.replace(text, replacement)
      }
      applied.add(file)
      return { contents, loader: 'js' }
    })
    build.onEnd((result) => {
      const missing = Object.keys(PATCHES).filter((f) => !applied.has(f))
      if (!result.errors.length && missing.length) throw new Error(`axios-lazy-deps: ${missing.join(', ')} never loaded: is axios still bundled from its lib/?`)
    })
  },
}
