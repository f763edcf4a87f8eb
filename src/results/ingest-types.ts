import type { Run, Stage } from '../model/results.ts'

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
