// Bundled into the CLI by scripts/axios-lazy-deps.mjs: a module's export that is loaded on first use.
import { createRequire } from 'node:module'

const load = createRequire(import.meta.url)

/** A stand-in for require(id), loaded on first construction, call or property read. */
export function lazyExport(id) {
  let loaded
  const real = () => (loaded ??= load(id))
  // a function target, so 'new', calls and 'instanceof' (which reads prototype) reach the real export
  const proxy = new Proxy(function lazy() {}, {
    construct: (_, args, newTarget) => Reflect.construct(real(), args, newTarget === proxy ? real() : newTarget),
    apply: (_, self, args) => Reflect.apply(real(), self, args),
    get: (_, key) => Reflect.get(real(), key),
    has: (_, key) => Reflect.has(real(), key),
  })
  return proxy
}
