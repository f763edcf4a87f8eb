// js-libp2p 3 calls Promise.withResolvers (Node 22+); this node must also run on Node 20.
const promise = Promise as unknown as { withResolvers?: <T>() => { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } }
if (typeof promise.withResolvers !== 'function') {
  promise.withResolvers = <T>() => {
    let resolve!: (v: T) => void
    let reject!: (e: unknown) => void
    const p = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
    return { promise: p, resolve, reject }
  }
}
export {}
