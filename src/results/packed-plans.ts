import type { StepResult } from '../model/results.ts'
import type { OutlineRow } from './outline-rows.ts'

export interface ScenarioInfo {
  name: string
  rule?: string
  /** its occurrence of its name in its file, from the second on (repeatedName) */
  occurrence?: number
  /** its case name where an earlier case of its file has the name it would have (uniqueNamer) */
  caseName?: string
}

export type StepArgument = NonNullable<StepResult['argument']>

/** What many scenarios share: a document's path, feature and tags (interned by the caller). */
export interface PlanHead {
  uri: string
  feature: string
  tags: readonly string[]
  /** the Playwright project that ran it (playwright-bdd names its files `[project]:<uri>`) */
  project?: string
}

/** What few scenarios have: an outline row, a rule, doc strings and data tables. */
export interface PlanExtra {
  scenario?: ScenarioInfo
  row?: OutlineRow
  /** doc strings and data tables: by pickle step id, then by test step index */
  stepArguments?: Map<string | number, StepArgument>
  /** the step ids themselves, when two of them share a key (idKey) */
  exactIds?: readonly string[]
  /** a line beyond what four bytes hold */
  line?: number
}

/** What a scenario is made of, as given to be held. */
export interface PlanParts {
  head: PlanHead
  extra?: PlanExtra
  line?: number
  name: string
  /** each step's keyword-and-text pair number (step-pairs.ts; 0 for a hook) */
  pairs: readonly number[]
  /** each step's id */
  ids: readonly string[]
}

/**
 * A held scenario opened for its run: what it is made of, and its steps found by id. Short-lived
 * (one per attempt); what is held is the string.
 */
export interface OpenPlan extends PlanHead {
  name: string
  line?: number
  scenario?: ScenarioInfo
  row?: OutlineRow
  stepArguments?: Map<string | number, StepArgument>
  stepCount: number
  /** the pair number of step `at` */
  pairAt(at: number): number
  /** the position of the step of that id, -1 when no step has it (as Array.prototype.indexOf) */
  indexOfId(id: string): number
}

// where each part of a packed plan starts, in bytes (one character each)
const HEAD = 0
const EXTRA = 4
const LINE = 8
const COUNT = 12
const STEPS = 16
const PAIR = 4
const KEY = 6
const STEP = PAIR + KEY
const LONG_LINE = 0xffffffff

/**
 * Every scenario Cucumber announced and has not run yet, each held as one string: Cucumber
 * announces all of them before running any, so at a million scenarios this is what ingest holds.
 * A plan of objects cost 409 bytes a waiting scenario of three steps, with its test case's id and
 * its place in the map (the ids of its steps, 36 characters each, a third of it); as one string
 * of one byte a character — head and extra as numbers into shared tables, the line, each step's
 * pair number and a 48-bit key of its id, then the name — 207 (ingest.test.ts measures it).
 *
 * A step is found by its id's key. Two ids of one scenario that share a key are seen when it is
 * packed, and that scenario keeps its ids themselves (exactIds), so a scenario's own steps are
 * never confused; an id of no step of the scenario (another tool's stream) is taken for one of
 * its steps only if their 48-bit keys agree, one chance in 2^48 a step.
 */
export class PackedPlans {
  private readonly heads: PlanHead[] = []
  private readonly headAt = new Map<string, number>()
  private lastHead: PlanHead | undefined
  private lastHeadAt = 0
  private readonly extras = new Map<number, PlanExtra>()
  private nextExtra = 1

  /** `keyOf`: a step id's key, an integer below 2^48 (another only to test what a shared key does) */
  constructor(private readonly keyOf: (id: string) => number = idKey) {}

  pack(parts: PlanParts): string {
    const { extra, ids } = parts
    let line = parts.line ?? 0
    let extraAt = 0
    const long = line > LONG_LINE - 1
    if (long) line = LONG_LINE
    const length = bytesOf(this.headOf(parts.head), line, parts.pairs, ids, parts.name, this.keyOf)
    const exact = keysCollide(ids)
    if (long || exact || (extra && (extra.scenario || extra.row || extra.stepArguments))) {
      extraAt = this.nextExtra++
      this.extras.set(extraAt, { ...extra, ...(exact ? { exactIds: [...ids] } : {}), ...(long ? { line: parts.line } : {}) })
    }
    return stringOf(length, parts.name, extraAt)
  }

  /** The same scenario with other steps (its test case's, in place of its pickle's). */
  repack(plan: string, pairs: readonly number[], ids: readonly string[]): string {
    let extraAt = u32(plan, EXTRA)
    const extra = this.extraOf(plan)
    const name = nameOf(plan)
    const length = bytesOf(u32(plan, HEAD), u32(plan, LINE), pairs, ids, name, this.keyOf)
    const exact = keysCollide(ids)
    if (extra) {
      if (exact) extra.exactIds = [...ids]
      else delete extra.exactIds
    } else if (exact) {
      extraAt = this.nextExtra++
      this.extras.set(extraAt, { exactIds: [...ids] })
    }
    return stringOf(length, name, extraAt)
  }

  open(plan: string): OpenPlan {
    return new Opened(plan, this.heads[u32(plan, HEAD)]!, this.extraOf(plan), this.keyOf)
  }

  /** What the scenario has that few have (to change its step arguments), if anything. */
  extraOf(plan: string): PlanExtra | undefined {
    const extraAt = u32(plan, EXTRA)
    return extraAt ? this.extras.get(extraAt) : undefined
  }

  /** The scenario will not be opened again: what it alone had is let go. */
  forget(plan: string): void {
    this.extras.delete(u32(plan, EXTRA))
  }

  private headOf(head: PlanHead): number {
    const last = this.lastHead
    if (last && last.uri === head.uri && last.feature === head.feature && last.tags === head.tags && last.project === head.project) return this.lastHeadAt
    // (as JSON: no file, feature or tag can be read as another's, whatever characters they hold)
    const key = JSON.stringify([head.uri, head.feature, head.project ?? null, head.tags])
    let at = this.headAt.get(key)
    if (at === undefined) {
      at = this.heads.length
      this.heads.push(head)
      this.headAt.set(key, at)
    }
    this.lastHead = head
    this.lastHeadAt = at
    return at
  }
}

// where a plan is put together, byte by byte, then read as one string (grown as plans need)
let scratch = Buffer.allocUnsafe(4096)
// whether the last name put in scratch has a character beyond Latin-1 (left out of scratch then)
let wide = false

/** Puts a plan's bytes in `scratch`, its extra left 0 (stringOf puts it); returns their length. */
function bytesOf(head: number, line: number, pairs: readonly number[], ids: readonly string[], name: string, keyOf: (id: string) => number): number {
  const count = ids.length
  const length = STEPS + STEP * count + name.length
  if (scratch.length < length) scratch = Buffer.allocUnsafe(Math.max(length, 2 * scratch.length))
  const bytes = scratch
  put32(bytes, HEAD, head)
  put32(bytes, LINE, line)
  put32(bytes, COUNT, count)
  for (let i = 0; i < count; i++) {
    put32(bytes, STEPS + PAIR * i, pairs[i]!)
    const key = keyOf(ids[i]!)
    const high = Math.floor(key / 0x100000000)
    const at = STEPS + PAIR * count + KEY * i
    bytes[at] = high >>> 8
    bytes[at + 1] = high & 0xff
    put32(bytes, at + 2, key >>> 0)
  }
  wide = false
  for (let i = 0, at = STEPS + STEP * count; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c > 0xff) {
      wide = true
      break
    }
    bytes[at + i] = c
  }
  return length
}

/**
 * The plan in `scratch` as one flat string of one byte a character (a concatenation would keep
 * its parts), unless its name is beyond Latin-1: a name cut from a string of two bytes a
 * character would be so too, and so would the JSON of its case, written twice as slowly.
 */
function stringOf(length: number, name: string, extra: number): string {
  put32(scratch, EXTRA, extra)
  if (!wide) return scratch.toString('latin1', 0, length)
  const units = [...scratch.subarray(0, length - name.length)]
  for (let i = 0; i < name.length; i++) units.push(name.charCodeAt(i))
  const parts: string[] = []
  for (let at = 0; at < units.length; at += CHUNK) parts.push(String.fromCharCode.apply(null, units.slice(at, at + CHUNK)))
  return parts.join('')
}

function put32(bytes: Buffer, at: number, value: number): void {
  bytes[at] = value >>> 24
  bytes[at + 1] = (value >>> 16) & 0xff
  bytes[at + 2] = (value >>> 8) & 0xff
  bytes[at + 3] = value & 0xff
}

// (a call takes so many arguments)
const CHUNK = 8192

function u32(plan: string, at: number): number {
  return ((plan.charCodeAt(at) << 24) | (plan.charCodeAt(at + 1) << 16) | (plan.charCodeAt(at + 2) << 8) | plan.charCodeAt(at + 3)) >>> 0
}

function nameOf(plan: string): string {
  return plan.slice(STEPS + STEP * u32(plan, COUNT))
}

function indexOfKey(plan: string, count: number, key: number): number {
  const high = Math.floor(key / 0x100000000)
  const low = key >>> 0
  for (let at = 0, unit = STEPS + PAIR * count; at < count; at++, unit += KEY) if (((plan.charCodeAt(unit) << 8) | plan.charCodeAt(unit + 1)) === high && u32(plan, unit + 2) === low) return at
  return -1
}

/** A held plan opened (one object of one shape for every scenario). */
class Opened implements OpenPlan {
  readonly uri: string
  readonly feature: string
  readonly tags: readonly string[]
  readonly project: string | undefined
  readonly name: string
  readonly line: number | undefined
  readonly scenario: ScenarioInfo | undefined
  readonly row: OutlineRow | undefined
  readonly stepArguments: Map<string | number, StepArgument> | undefined
  readonly stepCount: number
  private readonly exactIds: readonly string[] | undefined

  constructor(
    private readonly plan: string,
    head: PlanHead,
    extra: PlanExtra | undefined,
    private readonly keyOf: (id: string) => number,
  ) {
    this.uri = head.uri
    this.feature = head.feature
    this.tags = head.tags
    this.project = head.project
    this.name = nameOf(plan)
    const line = u32(plan, LINE)
    this.line = line === LONG_LINE ? extra?.line : line || undefined
    this.scenario = extra?.scenario
    this.row = extra?.row
    this.stepArguments = extra?.stepArguments
    this.exactIds = extra?.exactIds
    this.stepCount = u32(plan, COUNT)
  }

  pairAt(at: number): number {
    return u32(this.plan, STEPS + PAIR * at)
  }

  indexOfId(id: string): number {
    return this.exactIds ? this.exactIds.indexOf(id) : indexOfKey(this.plan, this.stepCount, this.keyOf(id))
  }
}

/** Whether two different ids of a plan share a key (the same id twice is found first, as by indexOf). */
function keysCollide(ids: readonly string[]): boolean {
  const count = ids.length
  const keys = STEPS + PAIR * count
  if (count <= 16) {
    for (let i = 1; i < count; i++) for (let j = 0; j < i; j++) if (sameKey(keys + KEY * i, keys + KEY * j) && ids[i] !== ids[j]) return true
    return false
  }
  const seen = new Map<string, string>()
  for (let i = 0; i < count; i++) {
    const key = scratch.toString('latin1', keys + KEY * i, keys + KEY * i + KEY)
    const before = seen.get(key)
    if (before !== undefined && before !== ids[i]) return true
    seen.set(key, ids[i]!)
  }
  return false
}

function sameKey(a: number, b: number): boolean {
  for (let k = 0; k < KEY; k++) if (scratch[a + k] !== scratch[b + k]) return false
  return true
}

/**
 * A 48-bit key of an id (an integer below 2^48): two 32-bit FNV-style hashes of its units, two
 * units a round (a million scenarios' step ids are hashed four times each: one unit a round cost
 * a quarter more), mixed.
 */
export function idKey(id: string): number {
  let h1 = 0x811c9dc5 | 0
  let h2 = 0x9747b28c | 0
  const end = id.length - 1
  let i = 0
  for (; i < end; i += 2) {
    const c = id.charCodeAt(i) | (id.charCodeAt(i + 1) << 16)
    h1 = Math.imul(h1 ^ c, 0x01000193)
    h2 = Math.imul(h2 ^ c, 0x5bd1e995)
    h2 ^= h2 >>> 13
  }
  if (i === end) {
    const c = id.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193)
    h2 = Math.imul(h2 ^ c, 0x5bd1e995)
  }
  // (the length: "a" and "a\u0000" put the same units in)
  h1 ^= id.length
  h1 ^= h1 >>> 16
  h1 = Math.imul(h1, 0x85ebca6b)
  h1 ^= h1 >>> 13
  h2 ^= h2 >>> 15
  h2 = Math.imul(h2, 0xc2b2ae35)
  h2 ^= h2 >>> 16
  return ((h2 ^ (h2 >>> 16)) & 0xffff) * 0x100000000 + (h1 >>> 0)
}
