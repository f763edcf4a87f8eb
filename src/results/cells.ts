import type { MergedCase } from './merge-results.ts'

/**
 * The key of a cell: the case id and its column's part (cellColumn). The key names a cell to
 * whoever looks one up (the gate, the diff, the history index); Cells holds none of them.
 */
export const cellKey = (caseId: string, environment: string, stage: string): string => [caseId, cellColumn(environment, stage)].join('')

// Columns are few (environments × stages) and their numbers only ever meet keys of this process.
const COLUMN_SUFFIXES = new Map<string, Map<string, string>>()
let columnsNumbered = 0

/**
 * A column's part of its cells' keys: a NUL, which no number holds, then the column's number in
 * this process; so the last NUL of a key starts its column, and no two cells share a key.
 */
export function cellColumn(environment: string, stage: string): string {
  let stages = COLUMN_SUFFIXES.get(environment)
  if (!stages) COLUMN_SUFFIXES.set(environment, (stages = new Map()))
  let suffix = stages.get(stage)
  if (suffix === undefined) stages.set(stage, (suffix = `\u0000${(columnsNumbered++).toString(36)}`))
  return suffix
}

/** The column's part of a merged case's key (cellColumn). */
export const columnOf = (c: { environment: string; stage: string }): string => cellColumn(c.environment, c.stage)

const keyOf = (c: MergedCase): string => cellKey(c.id, c.environment, c.stage)

/**
 * A build's cells: a map from each cell's key (cellKey) to its merged case, as every reader
 * takes it, held by case id. Keys are made only when asked for: a key a cell was a string
 * beside the case's own id, 40 MB of a million cells. A case id names one cell in most builds
 * (one column); the cells of an id in several columns are a list, in the order their columns
 * were first set. Iteration goes by id, in the order each id was first set, then its columns.
 */
export class Cells extends Map<string, MergedCase> {
  private readonly byId = new Map<string, MergedCase | MergedCase[]>()
  private count = 0

  constructor(cells?: Iterable<readonly [string, MergedCase]> | null) {
    // (Map's constructor would call set before this class's fields exist)
    super()
    if (cells instanceof Cells) {
      // a copy (the hub merges a push on top of a build it keeps): its lists are its own
      for (const [id, held] of cells.byId) this.byId.set(id, Array.isArray(held) ? [...held] : held)
      this.count = cells.count
    } else if (cells) for (const [key, c] of cells) this.set(key, c)
  }

  /** The cell of `id` in a column (cellColumn). */
  cell(id: string, column: string): MergedCase | undefined {
    const held = this.byId.get(id)
    if (held === undefined) return undefined
    if (!Array.isArray(held)) return columnOf(held) === column ? held : undefined
    return held.find((c) => columnOf(c) === column)
  }

  /** Sets a case as the cell of its id, environment and stage, in place of the one there. */
  put(c: MergedCase): this {
    const held = this.byId.get(c.id)
    if (held === undefined) {
      this.byId.set(c.id, c)
      this.count++
      return this
    }
    const column = columnOf(c)
    if (!Array.isArray(held)) {
      if (columnOf(held) === column) this.byId.set(c.id, c)
      else {
        this.byId.set(c.id, [held, c])
        this.count++
      }
      return this
    }
    const at = held.findIndex((x) => columnOf(x) === column)
    if (at !== -1) held[at] = c
    else {
      // a list of its exact length: one grown by push keeps room for 19
      this.byId.set(c.id, [...held, c])
      this.count++
    }
    return this
  }

  override get(key: string): MergedCase | undefined {
    const cut = key.lastIndexOf('\u0000')
    return cut === -1 ? undefined : this.cell(key.slice(0, cut), key.slice(cut))
  }

  override has(key: string): boolean {
    return this.get(key) !== undefined
  }

  override set(key: string, c: MergedCase): this {
    if (key !== keyOf(c)) throw new Error(`a cell's key is its case's (cellKey): ${JSON.stringify(key)} for case ${c.id} on ${c.environment}/${c.stage}`)
    return this.put(c)
  }

  override delete(key: string): boolean {
    const c = this.get(key)
    if (!c) return false
    const held = this.byId.get(c.id)!
    if (!Array.isArray(held)) this.byId.delete(c.id)
    else if (held.length === 2) this.byId.set(c.id, held[0] === c ? held[1]! : held[0]!)
    else held.splice(held.indexOf(c), 1)
    this.count--
    return true
  }

  override clear(): void {
    this.byId.clear()
    this.count = 0
  }

  override *values(): MapIterator<MergedCase> {
    for (const held of this.byId.values()) {
      if (!Array.isArray(held)) yield held
      else yield* held
    }
  }

  override *keys(): MapIterator<string> {
    for (const c of this.values()) yield keyOf(c)
  }

  override *entries(): MapIterator<[string, MergedCase]> {
    for (const c of this.values()) yield [keyOf(c), c]
  }

  override [Symbol.iterator](): MapIterator<[string, MergedCase]> {
    return this.entries()
  }

  override forEach(callback: (value: MergedCase, key: string, map: Map<string, MergedCase>) => void, thisArg?: unknown): void {
    for (const [key, c] of this.entries()) callback.call(thisArg, c, key, this)
  }
}

// Map's size is an accessor of its own storage, which Cells leaves empty.
Object.defineProperty(Cells.prototype, 'size', {
  get(this: Cells) {
    return (this as unknown as { count: number }).count
  },
})
