import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { matrixFrom, type Matrix } from '../../src/matrix/matrix-from.ts'
import { buildCatalogue } from '../../src/catalogue/build-catalogue.ts'
import { loadScope } from '../../src/catalogue/scope.ts'
import { matrixToHtml } from '../../reporters/html/matrix-html.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { canonicalResultSet } from './canonical-results.ts'

const CHROMIUM = '/usr/bin/chromium'
const PROJECT = path.join(PROJECT_ROOT, 'test/fixtures/run-project')
const available = process.env.BDD_MATRIX_REQUIRE_SERVICES === '1' || existsSync(CHROMIUM)

describe.skipIf(!available)('the HTML matrix in a real browser (headless Chromium)', () => {
  let browser: Browser
  let page: Page
  const matrices: Record<string, Matrix> = {}
  const files: Record<string, string> = {}

  beforeAll(async () => {
    const { results: merged, resultsDir: results } = await canonicalResultSet()
    const scope = loadScope(path.join(PROJECT, 'features/milestones/run.yaml'))
    const catalogue = buildCatalogue(path.join(PROJECT, 'features'))
    for (const build of ['v0.5.0-rc1', 'v0.5.0-rc2']) {
      matrices[build] = matrixFrom(merged, scope, { build, catalogue, uriPrefix: 'features' })
      files[build] = path.join(results, `${build}.html`)
      writeFileSync(files[build], matrixToHtml(matrices[build], { resultsDir: results }))
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'] })
    page = await browser.newPage()
    // The page must be self-contained: any request leaving file:// fails the test.
    await page.route(/^(?!file:)/, (route) => route.abort())
  })
  afterAll(async () => {
    await browser?.close()
  })

  const open = async (build: string) => {
    const requests: string[] = []
    page.on('request', (r) => requests.push(r.url()))
    await page.goto(`file://${files[build]}`)
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([])
  }
  const shown = async () => Number(await page.textContent('#shown-scenarios'))

  it('renders, with the same counts as the JSON', async () => {
    await open('v0.5.0-rc2')
    expect(await page.title()).toBe('Test matrix · run-fixture · v0.5.0-rc2')
    const totals = await page.$eval('#totals', (e) => ({ ...(e as unknown as { dataset: Record<string, string> }).dataset }))
    const t = matrices['v0.5.0-rc2']!.totals
    expect(totals).toEqual({ passed: String(t.passed), failed: String(t.failed), blocked: String(t.blocked), flaky: String(t.flaky), wip: String(t.wip), notRun: String(t['not-run']), skipped: String(t.skipped) })
    expect(await page.locator('tbody[data-feature]').count()).toBe(matrices['v0.5.0-rc2']!.features.length)
    expect(await page.locator('tr.scenario:visible').count()).toBe(0)
    // on load the counter says what the page shows: every feature, and the scenarios under them
    const scenarios = new Set(matrices['v0.5.0-rc2']!.features.flatMap((f) => f.scenarios.map((s) => s.id))).size
    expect(await shown()).toBe(scenarios)
    expect(await page.textContent('#shown')).toBe(`showing ${matrices['v0.5.0-rc2']!.features.length} of ${matrices['v0.5.0-rc2']!.features.length} features, ${scenarios} of ${scenarios} scenarios`)
    expect(await page.textContent('#gaps')).toBe('all 12 required cells have results (and 2 wip cell(s), not implemented yet)')
  })

  it('expands a feature into its scenarios', async () => {
    await open('v0.5.0-rc2')
    await page.click('tbody[data-feature="numbers"] button')
    expect(await page.locator('tr.scenario:visible').count()).toBe(matrices['v0.5.0-rc2']!.features.find((f) => f.id === 'numbers')!.scenarios.length)
  })

  it('filters by status, environment and feature', async () => {
    await open('v0.5.0-rc2')
    const m = matrices['v0.5.0-rc2']!
    // a scenario is found by its headline status, or by its required cell in the chosen column
    const withStatus = (status: string, column?: string) => new Set(m.features.flatMap((f) => f.scenarios).filter((s) => (column ? s.cells[column]!.required && s.cells[column]!.status === status : s.status === status)).map((s) => s.id)).size
    await page.selectOption('#filter-status', 'flaky')
    expect(await shown()).toBe(withStatus('flaky'))
    expect(await page.locator('tr.scenario:visible').count()).toBe(withStatus('flaky'))
    await page.selectOption('#filter-env', 'local/unit')
    expect(await page.locator('th[data-column]:visible').count()).toBe(1)
    expect(await shown()).toBe(withStatus('flaky', 'local/unit'))
    await page.selectOption('#filter-env', '')
    await page.selectOption('#filter-status', '')
    await page.fill('#filter-feature', 'letters')
    expect(await page.locator('tbody[data-feature]:visible').count()).toBe(1)
  })

  it('shows a failed scenario\'s steps and error', async () => {
    await open('v0.5.0-rc1')
    await page.selectOption('#filter-status', 'failed')
    expect(await shown()).toBe(1)
    const cell = page.locator('tr.scenario:visible td[data-status="failed"]')
    await cell.locator('summary').first().click()
    const text = await cell.textContent()
    expect(text).toContain('Given a check that fails on its first attempt')
    expect(text).toContain('first attempt fails')
  })
})
