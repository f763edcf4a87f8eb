/**
 * The ids of a scenario's steps, held from Cucumber's announcement of the scenario to its end.
 * One flat string (` id1 id2 … `) costs about half a list of strings (three UUIDs: 131 bytes, not
 * 240); a step is found by a native search. Ids are cucumber-js's UUIDs or the Compatibility Kit's
 * numbers; a list holding an id with a space in it (another tool's) stays a list, so that no id is
 * ever found where it is not.
 *
 * (Packing a UUID's 32 hex digits into 16 bytes held 6.7 MB less of 100,000 scenarios, but reading
 * the digits of every id, once held and once looked up, cost 0.2 s of 4.)
 */
export type StepIds = string | readonly string[]

export function joinIds(ids: readonly string[]): StepIds {
  const parts = new Array<string>(ids.length + 2)
  parts[0] = ''
  for (let i = 0; i < ids.length; i++) {
    if (ids[i]!.indexOf(' ') !== -1) return ids
    parts[i + 1] = ids[i]!
  }
  parts[ids.length + 1] = ''
  // joined, one flat string (a template literal would keep a concatenation of three)
  return parts.join(' ')
}

/** The position of `id` among the ids, -1 when it is not one of them (as Array.prototype.indexOf). */
export function indexOfId(ids: StepIds, id: string): number {
  if (typeof ids !== 'string') return ids.indexOf(id)
  if (id.indexOf(' ') !== -1) return -1
  const at = ids.indexOf(` ${id} `)
  if (at === -1) return -1
  // the spaces before it, each found by a native search
  let index = 0
  for (let space = ids.indexOf(' ', 1); space !== -1 && space <= at; space = ids.indexOf(' ', space + 1)) index++
  return index
}
