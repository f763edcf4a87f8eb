/**
 * An empty record for keys that come from the user's files (feature ids in tags, Examples
 * headers), which may be named as any property objects inherit: on a plain `{}`,
 * `record['constructor']` is a function before anything was put there, and `record['__proto__'] = v`
 * sets no key at all. A record without a prototype has only what was put in it, and JSON,
 * Object.keys and Object.entries see it as any other.
 */
export function ownRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}
