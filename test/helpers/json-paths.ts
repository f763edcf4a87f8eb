/** Mutating JSON values in property tests: every place in a value, and a copy with one place changed. */

export type JsonPath = (string | number)[]

/** Every place in a JSON value, as the keys that lead there (the value itself first). */
export function pathsOf(value: unknown, at: JsonPath = [], into: JsonPath[] = []): JsonPath[] {
  into.push(at)
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...at, i], into))
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...at, k], into)
  return into
}

/** A copy of `value` with what is at `where` replaced by `by` (a key deleted when `by` is undefined; the root replaced: `by` itself). */
export function replacedAt(value: unknown, where: JsonPath, by: unknown): unknown {
  if (!where.length) return by
  const copy = structuredClone(value) as Record<string | number, unknown>
  let holder = copy
  for (const key of where.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>
  if (by === undefined && !Array.isArray(holder)) delete holder[where.at(-1)!]
  else holder[where.at(-1)!] = by
  return copy
}
