import { appendFileSync, cpSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import { openHub } from '../../hub/open-hub.ts'
import type { HubService } from '../../hub/hub-service.ts'
import { createHubServer } from '../../hub/server/hub-server.ts'
import { PROJECT_ROOT } from './run-bin.ts'
import { tempDir } from './temp-tree.ts'

/**
 * A project for the hub: the run fixture's features (so the canonical results land in its rows)
 * and manual scenarios, one with markup in its name and steps.
 */
export const MANUAL_FEATURE = `@manual @feature:letters
Feature: Letters by hand

  Scenario: a tester counts the letters of a word
    Given the word "bdd"
    When the tester counts its letters
    Then there are 3

  Scenario: <script>alert("name")</script> stays text
    Given the text "<img src=x onerror=alert(1)>"
    Then nothing runs
`

/** Where the fixture takes manual outcomes: testers' own machines and a lab. */
export const MANUAL_ENVIRONMENTS = `manual-environments:
  - id: community
    name: Your own machine
    description: a laptop or desktop with Linux, 2 cores and 4 GB of memory or more
    prepare: install the release candidate's package and open a terminal
  - id: lab
    description: the QA lab's Raspberry Pi 5 (8 GB, Raspberry Pi OS)
`

export function hubProject(): string {
  const root = tempDir('hub-project')
  cpSync(path.join(PROJECT_ROOT, 'test/fixtures/run-project/features'), path.join(root, 'features'), { recursive: true })
  writeFileSync(path.join(root, 'features/letters.feature'), MANUAL_FEATURE)
  appendFileSync(path.join(root, 'features/milestones/run.yaml'), MANUAL_ENVIRONMENTS)
  return root
}

export interface TestHub {
  url: string
  root: string
  service: HubService
  app: FastifyInstance
  tokens: Record<'qa' | 'qa2' | 'ci' | 'alice' | 'bob', string>
  close(): Promise<void>
}

/** A hub on 127.0.0.1 (a free port) over a fresh store: embedded in a temporary folder, or the given PostgreSQL database. */
export async function startHub(options: { databaseUrl?: string; maxEvidenceBytes?: number; matrixInlineScenarios?: number; root?: string; tokens?: TestHub['tokens']; basePath?: string } = {}): Promise<TestHub> {
  const root = options.root ?? hubProject()
  const service = await openHub({ root, db: path.join(root, '.bdd-matrix/db'), catalogueRefreshMs: 0, ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}), limits: { ...(options.maxEvidenceBytes ? { maxEvidenceBytes: options.maxEvidenceBytes } : {}), ...(options.matrixInlineScenarios !== undefined ? { matrixInlineScenarios: options.matrixInlineScenarios } : {}) } })
  // another instance on the same store shares the first one's tokens
  const tokens = options.tokens ?? ({} as TestHub['tokens'])
  if (!options.tokens) for (const [name, role] of [['qa', 'qa'], ['qa2', 'qa'], ['ci', 'ci'], ['alice', 'tester'], ['bob', 'tester']] as const) tokens[name] = (await service.store.createToken(name, role)).token
  const app = await createHubServer({ service, ...(options.basePath ? { basePath: options.basePath } : {}) })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}${options.basePath ?? ''}`,
    root,
    service,
    app,
    tokens,
    async close() {
      await app.close()
      await service.store.db.close()
      if (!options.root) rmSync(root, { recursive: true, force: true })
    },
  }
}

/** One API call as a client would make it. */
export async function api(hub: TestHub, method: string, route: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${hub.url}/api/v1${route}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined && !Buffer.isBuffer(body) && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  })
  const text = await response.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, body: parsed, headers: response.headers }
}

/** The hub's suites run on both stores: the SQL and migrations are one for PGlite and PostgreSQL. */
export const BOTH_STORES = [
  { store: 'embedded (PGlite)', postgres: false },
  { store: 'PostgreSQL server', postgres: true },
] as const
