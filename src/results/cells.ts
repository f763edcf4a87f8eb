import type { MergedCase } from './merge-results.ts'

/**
 * The key of a cell: the case id and its column's part (cellColumn), for a reader that takes a
 * build as a Map; Cells holds none of them, and the gate, the diff and the history index find
 * cells by id and column (cellOf, eachCell, CellSet). Joined with `+`: an array's join cost the
 * hub's history index a third of its time while that index was made of keys.
 */
export const cellKey = (caseId: string, environment: string, stage: string): string => caseId + cellColumn(environment, stage)

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

/** The cell of `id` in a column (cellColumn): by case id in Cells, by key in another map. */
export function cellIn(cells: ReadonlyMap<string, MergedCase> | undefined, id: string, column: string): MergedCase | undefined {
  return cells instanceof Cells ? cells.cell(id, column) : cells?.get(id + column)
}

/** The cell of `id` on an environment and stage (cellIn). */
export function cellOf(cells: ReadonlyMap<string, MergedCase> | undefined, id: string, environment: string, stage: string): MergedCase | undefined {
  return cellIn(cells, id, cellColumn(environment, stage))
}

/** Whether `id` has cells in more than one of `columns`, the columns of the build's cells. */
export function inSeveralColumns(cells: ReadonlyMap<string, MergedCase>, id: string, columns: readonly string[]): boolean {
  if (cells instanceof Cells) return cells.several(id)
  let found = 0
  for (const column of columns) if (cellIn(cells, id, column) && ++found > 1) return true
  return false
}

/** Calls `visit` with each cell of a build and its column (cellColumn): in Cells, no key or column is worked out again. */
export function eachCell(cells: ReadonlyMap<string, MergedCase> | undefined, visit: (c: MergedCase, column: string) => void): void {
  if (cells instanceof Cells) cells.eachCell(visit)
  else for (const c of cells?.values() ?? []) visit(c, columnOf(c))
}

/** A set of cells, by column (cellColumn) and case id: nothing is made to add or find one. */
export class CellSet {
  private readonly byColumn = new Map<string, Set<string>>()

  add(id: string, column: string): void {
    let ids = this.byColumn.get(column)
    if (!ids) this.byColumn.set(column, (ids = new Set()))
    ids.add(id)
  }

  has(id: string, column: string): boolean {
    return this.byColumn.get(column)?.has(id) ?? false
  }
}

/**
 * A build's cells: a map from each cell's key (cellKey) to its merged case, as every reader
 * takes it, held by case id. Keys are made only when asked for: a key a cell was a string
 * beside the case's own id, 40 MB of a million cells. A case id names one cell in most builds
 * (one column); the cells of an id in several columns are a list, in the order their columns
 * were first set. Iteration goes by id, in the order each id was first set, then its columns.
 */
export class Cells extends Map<string, MergedCase> {
  private readonly byId = new Map<string, MergedCase | Columns>()
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
    const at = placeIn(held, column)
    return at === -1 ? undefined : (held[at + 1] as MergedCase)
  }

  /** Whether `id` has cells in more than one column. */
  several(id: string): boolean {
    return Array.isArray(this.byId.get(id))
  }

  /**
   * Sets a case as the cell of its id, environment and stage, in place of the one there.
   * `column`: its column (cellColumn), when the caller knows it.
   */
  put(c: MergedCase, column: string = columnOf(c)): this {
    const held = this.byId.get(c.id)
    if (held === undefined) {
      this.byId.set(c.id, c)
      this.count++
      return this
    }
    if (!Array.isArray(held)) {
      const its = columnOf(held)
      if (its === column) this.byId.set(c.id, c)
      else {
        this.byId.set(c.id, [its, held, column, c])
        this.count++
      }
      return this
    }
    const at = placeIn(held, column)
    if (at !== -1) held[at + 1] = c
    else {
      // a list of its exact length: one grown by push keeps room for 19
      this.byId.set(c.id, [...held, column, c])
      this.count++
    }
    return this
  }

  /** Calls `visit` with each cell and its column (cellColumn), in the order of iteration; no key is made. */
  eachCell(visit: (c: MergedCase, column: string) => void): void {
    for (const held of this.byId.values()) {
      if (!Array.isArray(held)) visit(held, columnOf(held))
      else for (let at = 0; at < held.length; at += 2) visit(held[at + 1] as MergedCase, held[at] as string)
    }
  }

  override get(key: string): MergedCase | undefined {
    const parts = partsOf(key)
    return parts && this.cell(parts.id, parts.column)
  }

  override has(key: string): boolean {
    return this.get(key) !== undefined
  }

  override set(key: string, c: MergedCase): this {
    if (key !== keyOf(c)) throw new Error(`a cell's key is its case's (cellKey): ${JSON.stringify(key)} for case ${c.id} on ${c.environment}/${c.stage}`)
    return this.put(c)
  }

  override delete(key: string): boolean {
    const parts = partsOf(key)
    if (!parts) return false
    const { id, column } = parts
    const held = this.byId.get(id)
    if (held === undefined) return false
    if (!Array.isArray(held)) {
      if (columnOf(held) !== column) return false
      this.byId.delete(id)
    } else {
      const at = placeIn(held, column)
      if (at === -1) return false
      if (held.length === 4) this.byId.set(id, held[at === 0 ? 3 : 1] as MergedCase)
      else held.splice(at, 2)
    }
    this.count--
    return true
  }

  override clear(): void {
    this.byId.clear()
    this.count = 0
  }

  // Iterators of a class, not generators: the hub iterates every cell of ten builds for a view,
  // and a generator's `yield*` took four times as long as a Map's own iterator.
  override values(): MapIterator<MergedCase> {
    return new CellIterator(this.byId.values(), (c) => c)
  }

  override keys(): MapIterator<string> {
    return new CellIterator(this.byId.values(), keyOf)
  }

  override entries(): MapIterator<[string, MergedCase]> {
    return new CellIterator(this.byId.values(), (c): [string, MergedCase] => [keyOf(c), c])
  }

  override [Symbol.iterator](): MapIterator<[string, MergedCase]> {
    return this.entries()
  }

  override forEach(callback: (value: MergedCase, key: string, map: Map<string, MergedCase>) => void, thisArg?: unknown): void {
    for (const [key, c] of this.entries()) callback.call(thisArg, c, key, this)
  }
}

/**
 * The cells of an id in several columns: each column (cellColumn) followed by its case. The
 * column is kept beside its case so that finding one compares the strings cellColumn handed out
 * (the same string for the same column), instead of working each case's column out again.
 */
type Columns = (string | MergedCase)[]

/** A key's case id and column: its column starts at its last NUL (cellColumn). */
function partsOf(key: string): { id: string; column: string } | undefined {
  const cut = key.lastIndexOf('\u0000')
  return cut === -1 ? undefined : { id: key.slice(0, cut), column: key.slice(cut) }
}

function placeIn(held: Columns, column: string): number {
  for (let at = 0; at < held.length; at += 2) if (held[at] === column) return at
  return -1
}

/** Each case held by id (a case or a list of columns and cases), as `as` makes it. */
class CellIterator<T> implements MapIterator<T> {
  private list: Columns | undefined
  private at = 0

  constructor(
    private readonly held: MapIterator<MergedCase | Columns>,
    private readonly as: (c: MergedCase) => T,
  ) {}

  next(): IteratorResult<T, undefined> {
    const list = this.list
    if (list !== undefined) {
      if (this.at < list.length) {
        const c = list[this.at + 1] as MergedCase
        this.at += 2
        return { value: this.as(c), done: false }
      }
      this.list = undefined
    }
    const step = this.held.next()
    if (step.done) return { value: undefined, done: true }
    const held = step.value
    if (!Array.isArray(held)) return { value: this.as(held), done: false }
    this.list = held
    this.at = 2
    return { value: this.as(held[1] as MergedCase), done: false }
  }

  [Symbol.iterator](): MapIterator<T> {
    return this
  }
}

// Map's size is an accessor of its own storage, which Cells leaves empty.
Object.defineProperty(Cells.prototype, 'size', {
  get(this: Cells) {
    return (this as unknown as { count: number }).count
  },
})
