import { createHash, hash } from 'node:crypto'
import type { Run, RunError } from '../model/results.ts'
import { MODEL_VERSION, runIdPart, type Stage, type Status } from '../model/vocabulary.ts'

export interface IngestContext {
  build: string
  environment: string
  stage: Stage
  milestone?: string
  commit?: string
  shard?: string
  ci?: Run['ci']
  /** given id instead of one hashed from the input */
  runId?: string
  /** where results files and attachments are written */
  resultsDir: string
  /** how the source is named in the run (default: its path) */
  sourceName?: string
  /** why the runner stopped before finishing, when the caller knows (bdd-matrix run does) */
  runnerError?: string
  /**
   * The project's features folder (and how results name it, e.g. `features`): reports that do not
   * carry the Gherkin (Cucumber JSON, JUnit) are bound to its scenarios.
   */
  catalogue?: { featuresDir: string; uriPrefix: string }
  /** the case lines of the results file, in order, as they are written (see PreparedCases) */
  onCaseLines?: (lines: string) => void
  /** the input's hash, computed elsewhere meanwhile (by the thread that started an ingest worker) */
  inputHash?: () => Promise<string>
  /**
   * A full garbage collection, where one may be asked for (an ingest worker: ingest-worker.ts).
   * V8 sizes a heap by its peak and, busy, does not shrink it: Cucumber announces every scenario
   * before running any, so the plans peak before the first runs, then go as the scenarios end —
   * while the heap stays the peak's size and fills with the stream's garbage. Collected as a third
   * and as two thirds of the scenarios have run, it is sized by what is left: at 100,000 scenarios
   * 40 MB less at the peak (235 → 195 MB) for 0.05–0.2 s more of 3.8 (the two collections take
   * 15 ms each; a smaller heap is collected more often); at a million, 180 MB less.
   */
  collectGarbage?: () => void
}

/** Something in an input that was not ingested, with where it is. */
export interface IngestProblem {
  file: string
  /** 0 when it concerns the whole file */
  line: number
  message: string
}

export interface IngestOutcome {
  run?: Run
  cases: number
  problems: IngestProblem[]
  /** the results file written */
  path?: string
}

/**
 * What a run id is hashed from: the input's bytes, fed as they are read (`onBytes`). A run id
 * given (bdd-matrix run names its run) makes hashing needless, and a hash computed elsewhere
 * (`ctx.inputHash`) is awaited instead: no `onBytes` then.
 */
export function inputHasher(ctx: IngestContext): { onBytes?: (chunk: Buffer) => void; digest: () => string | Promise<string> } {
  if (ctx.runId) return { digest: () => '' }
  if (ctx.inputHash) return { digest: ctx.inputHash }
  const hash = createHash('sha256')
  return { onBytes: (chunk) => hash.update(chunk), digest: () => hash.digest('hex') }
}

/**
 * What names a run besides its environment and stage: its input, and the build (and milestone)
 * it is ingested for — the same file ingested again for the same build is the same run (nothing
 * changes), for another build another run (the first build keeps its results).
 */
function runHash(inputHash: string, ctx: IngestContext): string {
  return hash('sha256', `${inputHash}\0${ctx.build}\0${ctx.milestone ?? ''}`, 'hex').slice(0, 16)
}

/** The run record of an ingested source: the context's facts plus what the source told. */
export function runFrom(ctx: IngestContext, facts: { inputHash: string; startedAt: string; finishedAt: string; format: Run['source']['format']; file: string; errors?: RunError[] }): Run {
  return {
    kind: 'run',
    modelVersion: MODEL_VERSION,
    id: ctx.runId ?? `${runIdPart(ctx.environment)}-${ctx.stage}-${runHash(facts.inputHash, ctx)}`,
    ...(ctx.milestone ? { milestone: ctx.milestone } : {}),
    build: ctx.build,
    ...(ctx.commit ? { commit: ctx.commit } : {}),
    ...(ctx.ci ? { ci: ctx.ci } : {}),
    stage: ctx.stage,
    environment: ctx.environment,
    ...(ctx.shard ? { shard: ctx.shard } : {}),
    startedAt: facts.startedAt,
    finishedAt: facts.finishedAt,
    source: { format: facts.format, file: ctx.sourceName ?? facts.file, ...(facts.inputHash ? { sha256: facts.inputHash } : {}) },
    ...(facts.errors?.length ? { errors: facts.errors } : {}),
  }
}

/**
 * The verdict of a scenario without steps (its Background's included): it verified nothing,
 * whatever its hooks did. Cucumber counts it undefined (cucumber-ruby) or unknown (cucumber-js);
 * it is never a pass.
 */
export function steplessVerdict(status: Status, error: string | undefined): { status: Status; error?: string } {
  if (status !== 'passed') return { status, ...(error ? { error } : {}) }
  return { status: 'undefined', error: error ?? 'the scenario has no steps: nothing was verified (Cucumber counts it undefined); write its steps, or tag it @wip and leave it out of the run' }
}
