import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, devices, type Browser, type Page } from 'playwright-core'
import { api, startHub, type TestHub } from '../helpers/hub.ts'
import { tempTree } from '../helpers/temp-tree.ts'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
/** Screenshots of every page checked, for people to look at: the test output's folder. */
const SCREENSHOTS = path.join(PROJECT_ROOT, 'reports/test-screenshots/hub')

/**
 * axe-core on the page as it is: no serious or critical violation. A screenshot of the page is
 * kept whatever the outcome.
 */
async function checkPage(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const file = path.join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  console.log(`screenshot of ${name}: ${path.relative(PROJECT_ROOT, file)}`)
  await page.addScriptTag({ path: AXE })
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(options: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe
    const result = await axe.run({ resultTypes: ['violations'] })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))
  })
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), `${name}: ${JSON.stringify(violations, null, 1)}`).toEqual([])
}

const CHROMIUM = '/usr/bin/chromium'
const available = process.env.BDD_MATRIX_REQUIRE_SERVICES === '1' || existsSync(CHROMIUM)

describe.skipIf(!available)('the hub\'s web pages in a real browser (headless Chromium)', () => {
  let browser: Browser
  let hub: TestHub

  beforeAll(async () => {
    hub = await startHub()
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'] })
  })
  afterAll(async () => {
    await browser?.close()
    await hub?.close()
  })

  const login = async (token: string, phone = false) => {
    const context = await browser.newContext(phone ? { ...devices['Pixel 7'] } : {})
    const page = await context.newPage()
    // Only the hub: anything else the page asked for would fail the test.
    await page.route((url) => !url.href.startsWith(hub.url), (route) => route.abort())
    await page.goto(`${hub.url}/`)
    expect(page.url()).toBe(`${hub.url}/login`)
    await page.fill('input[name=token]', token)
    await page.click('button[type=submit]')
    return { context, page }
  }

  it('QA opens a build and assigns from the web; a volunteer on a phone claims, tests and submits (refusals keep the form); QA accepts; the matrix cell turns passed; every page passes axe', async () => {
    const folder = tempTree()
    const evidence = path.join(folder, 'screenshot.png')
    // a 1×1 PNG
    writeFileSync(evidence, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'))
    // Chromium sends a .log as text/x-log: taken by its extension
    const log = path.join(folder, 'node.log')
    writeFileSync(log, 'peer 12D3KooW… connected\n')

    // QA: a build opened and a scenario assigned, open to any tester, all from the pages
    const qa = await login(hub.tokens.qa)
    expect(qa.page.url()).toBe(`${hub.url}/builds`)
    await qa.page.fill('input[name=name]', 'v0.5.0-rc1')
    await qa.page.click('text=Open build')
    expect(qa.page.url()).toBe(`${hub.url}/builds/v0.5.0-rc1/board`)
    await qa.page.check('label:has-text("a tester counts the letters of a word") input')
    await qa.page.selectOption('select[name=environment]', 'community')
    await qa.page.click('button:text("Assign")')
    expect(await qa.page.locator('#board').innerText()).toContain('a tester counts the letters of a word')
    await checkPage(qa.page, 'assignment-board')
    await qa.page.goto(`${hub.url}/builds`)
    await checkPage(qa.page, 'builds')

    // the volunteer, on a phone
    const tester = await login(hub.tokens.alice, true)
    expect(tester.page.url()).toBe(`${hub.url}/assignments`)
    await checkPage(tester.page, 'assignments')
    await tester.page.click('button:text("Claim")')
    await tester.page.getByRole('link', { name: 'Test it' }).click()
    await expect.poll(() => tester.page.locator('.steps li').count()).toBe(3)
    expect((await tester.page.locator('.steps li label').first().innerText()).replace(/\s+/g, ' ')).toBe('Given the word "bdd"')
    // what must be true, and how to prepare the machine, beside the steps
    expect(await tester.page.locator('main').innerText()).toContain('Nothing tests this yet.')
    expect(await tester.page.locator('main').innerText()).toContain("install the release candidate's package")
    // no outcome is chosen for the tester; each is explained
    expect(await tester.page.locator('input[name=status]:checked').count()).toBe(0)
    expect(await tester.page.locator('fieldset').innerText()).toMatch(/blocked\s*you could not carry it out/)
    expect(await tester.page.evaluate(() => (globalThis as unknown as { document: { getElementById(id: string): { checkValidity(): boolean } } }).document.getElementById('outcome-form').checkValidity())).toBe(false)
    // nothing on the page is wider than the phone
    expect(await tester.page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement.scrollWidth <= (globalThis as unknown as { document: { documentElement: { clientWidth: number } } }).document.documentElement.clientWidth)).toBe(true)
    await checkPage(tester.page, 'submit-form')
    for (let i = 0; i < 3; i++) await tester.page.selectOption(`select[name=step-${i}]`, 'passed')
    await tester.page.check('input[name=status][value=passed]')
    await tester.page.fill('textarea[name=comment]', 'three letters <script>window.pwned=1</script>')
    await tester.page.fill('input[name=os]', 'Debian 12')
    await tester.page.fill('textarea[name=defects]', 'not a link')
    await tester.page.setInputFiles('input[name=evidence]', [evidence, log])
    await tester.page.click('text=Submit outcome')
    // refused: said why, and everything typed is still there
    expect(await tester.page.locator('[role=alert]').innerText()).toMatch(/Not submitted: Defect links, line 1: not a link/)
    expect(await tester.page.inputValue('textarea[name=comment]')).toBe('three letters <script>window.pwned=1</script>')
    expect(await tester.page.inputValue('input[name=os]')).toBe('Debian 12')
    expect(await tester.page.locator('input[name=status][value=passed]').isChecked()).toBe(true)
    expect(await tester.page.inputValue('select[name=step-2]')).toBe('passed')
    await checkPage(tester.page, 'submit-form-refused')
    await tester.page.fill('textarea[name=defects]', 'https://gitlab.com/nunet/device-management-service/-/issues/1')
    // an outcome better than one of its steps is refused, naming the step by its number on the page
    await tester.page.selectOption('select[name=step-1]', 'failed')
    await tester.page.setInputFiles('input[name=evidence]', [evidence, log])
    await tester.page.click('text=Submit outcome')
    expect(await tester.page.locator('[role=alert]').innerText()).toMatch(/Not submitted: Step 2 \(".+"\) is failed, yet the outcome is passed; .*choose failed as the outcome, or correct the step/)
    await tester.page.selectOption('select[name=step-1]', 'passed')
    await tester.page.setInputFiles('input[name=evidence]', [evidence, log])
    await tester.page.click('text=Submit outcome')
    await expect.poll(() => tester.page.url()).toMatch(/\/assignments\?submitted=\d+$/)
    expect(await tester.page.locator('#my-outcomes').innerText()).toMatch(/passed · awaiting review/)
    // a tester has no review queue; the refusal is a page with a way back
    const forbidden = await tester.page.goto(`${hub.url}/builds/v0.5.0-rc1/review`)
    expect(forbidden!.status()).toBe(403)
    expect(await tester.page.locator('main a').first().getAttribute('href')).toBe('/')
    await checkPage(tester.page, 'error-page')
    await tester.context.close()

    await qa.page.goto(`${hub.url}/builds/v0.5.0-rc1/review`)
    const outcome = qa.page.locator('section.outcome')
    await expect.poll(() => outcome.count()).toBe(1)
    // markup from a tester stays text
    expect(await outcome.innerText()).toContain('three letters <script>window.pwned=1</script>')
    expect(await qa.page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined()
    const image = await qa.page.request.get(`${hub.url}${await outcome.locator('a[href^="/evidence/"]').first().getAttribute('href')}`)
    expect(image.headers()['content-type']).toBe('image/png')
    expect(await outcome.locator('a[href^="/evidence/"]').nth(1).innerText()).toBe('node.log')
    await checkPage(qa.page, 'review-queue')
    await outcome.locator('select[name=verdict]').selectOption('accepted')
    await outcome.locator('button').click()
    await expect.poll(() => qa.page.locator('section.outcome').count()).toBe(0)
    await qa.page.goto(`${hub.url}/builds/v0.5.0-rc1/matrix`)
    expect(await qa.page.locator('.hub-back a').getAttribute('href')).toBe('/builds')
    const cell = qa.page.locator('tr.scenario', { hasText: 'a tester counts the letters of a word' }).locator('td[data-column="community/manual"]')
    expect(await cell.getAttribute('data-status')).toBe('passed')
    expect(await cell.innerText()).toContain('by alice')
    // the scenario whose name is markup is shown as text in the matrix, not run
    expect(await qa.page.evaluate(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('script').length)).toBe(1)
    expect(await qa.page.locator('tr.scenario', { hasText: '<script>alert("name")</script> stays text' }).count()).toBe(1)
    await checkPage(qa.page, 'matrix')
    // the release gate of the build, approved from its page
    writeFileSync(path.join(hub.root, 'features/milestones/run.gates.yaml'), 'milestone: run-fixture\napplies-to: v0.5.0-rc*\ncriteria:\n  - { id: approved, kind: approvals, severity: blocking, min: 1 }\n')
    await qa.page.goto(`${hub.url}/builds/v0.5.0-rc1/gate`)
    expect(await qa.page.getAttribute('#gate', 'data-verdict')).toBe('incomplete')
    await qa.page.click('text=Approve v0.5.0-rc1 for release')
    expect(await qa.page.getAttribute('#gate', 'data-verdict')).toBe('go')
    expect(await qa.page.locator('#approvals').innerText()).toContain('qa ·')
    await checkPage(qa.page, 'release-gate')
    // a result that changes the matrix after it: the approval is shown as of earlier results, and may be given again
    const markup = [...hub.service.project.scenarios.values()].find((x) => x.manual && x.name.includes('stays text'))!
    const late = await api(hub, 'POST', '/outcomes', hub.tokens.alice, { build: 'v0.5.0-rc1', scenario: markup.id, status: 'passed' }, { 'idempotency-key': 'late-result-1' })
    expect((await api(hub, 'POST', `/outcomes/${late.body.id}/review`, hub.tokens.qa2, { verdict: 'accepted' })).status).toBe(200)
    await qa.page.goto(`${hub.url}/builds/v0.5.0-rc1/gate`)
    expect(await qa.page.getAttribute('#gate', 'data-verdict')).toBe('incomplete')
    expect(await qa.page.locator('#approvals li.outdated').innerText()).toContain('of the results before they changed: not counted until approved again')
    await qa.page.click('text=Approve v0.5.0-rc1 for release')
    expect(await qa.page.getAttribute('#gate', 'data-verdict')).toBe('go')
    expect(await qa.page.locator('#approvals li.outdated').count()).toBe(0)
    await qa.context.close()
    const anonymous = await browser.newContext()
    const loginPage = await anonymous.newPage()
    await loginPage.goto(`${hub.url}/login`)
    await checkPage(loginPage, 'login')
    await anonymous.close()
  })

  it('refuses a form from another origin or without its CSRF token, and a stale session after logout', async () => {
    const qa = await login(hub.tokens.qa)
    const cookies = await qa.context.cookies()
    const session = cookies.find((c) => c.name === 'bdm_session')!
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' })
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${hub.url}/builds/v0.5.0-rc1/assign`, { method: 'POST', redirect: 'manual', headers: { cookie: `bdm_session=${session.value}`, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body })
    expect((await post('tester=alice&scenario=x')).status).toBe(403)
    expect((await post('tester=alice&scenario=x&_csrf=forged')).status).toBe(403)
    expect((await post('tester=alice&scenario=x', { origin: 'http://evil.example' })).status).toBe(403)
    await qa.page.goto(`${hub.url}/builds`)
    await qa.page.click('text=Log out')
    expect(qa.page.url()).toBe(`${hub.url}/login`)
    const stale = await fetch(`${hub.url}/builds`, { redirect: 'manual', headers: { cookie: `bdm_session=${session.value}` } })
    expect(stale.status).toBe(302)
    // the page never shows the token
    expect(await (await fetch(`${hub.url}/login`)).text()).not.toContain(hub.tokens.qa)
    await qa.context.close()
  })
})

describe.skipIf(!available)('a large matrix in the hub: a page of features, each feature\'s scenarios on a page of its own', () => {
  let browser: Browser
  let hub: TestHub

  beforeAll(async () => {
    // Any matrix of more than one scenario counts as large here.
    hub = await startHub({ matrixInlineScenarios: 1 })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'] })
  })
  afterAll(async () => {
    await browser?.close()
    await hub?.close()
  })

  it('lists the features with their counts and which statuses they hold; a feature\'s page shows its scenarios and cells; both pass axe', async () => {
    expect((await api(hub, 'POST', '/builds', hub.tokens.qa, { name: 'v0.5.0-rc1' })).status).toBe(201)
    const [manual] = (await api(hub, 'GET', '/scenarios?manual=true', hub.tokens.alice)).body as { id: string; name: string }[]
    const submitted = await api(hub, 'POST', '/outcomes', hub.tokens.alice, { build: 'v0.5.0-rc1', scenario: manual!.id, status: 'failed', comment: 'counted two' }, { 'idempotency-key': 'large-matrix-1' })
    expect(submitted.status).toBe(201)
    expect((await api(hub, 'POST', `/outcomes/${submitted.body.id}/review`, hub.tokens.qa, { verdict: 'accepted' })).status).toBe(200)

    const context = await browser.newContext()
    const page = await context.newPage()
    await page.route((url) => !url.href.startsWith(hub.url), (route) => route.abort())
    await page.goto(`${hub.url}/login`)
    await page.fill('input[name=token]', hub.tokens.qa)
    await page.click('button[type=submit]')
    await page.goto(`${hub.url}/builds/v0.5.0-rc1/matrix`)
    // no scenario rows: features only, each with a link to its scenarios
    expect(await page.locator('tr.scenario').count()).toBe(0)
    expect(await page.locator('tbody[data-feature]').count()).toBeGreaterThanOrEqual(2)
    expect(await page.locator('#shown').innerText()).toContain('on its own page')
    // the headline is the build's whole truth, as on any matrix page
    expect(await page.getAttribute('#totals', 'data-failed')).toBe('1')
    // the status filter finds the feature holding a failure, and only it
    await page.selectOption('#filter-status', 'failed')
    expect(await page.locator('tbody[data-feature]:not([hidden])').evaluateAll((bodies) => bodies.map((b) => (b as unknown as { dataset: { feature: string } }).dataset.feature))).toEqual(['letters'])
    await page.selectOption('#filter-status', '')
    await checkPage(page, 'large-matrix-features')
    await page.click('tbody[data-feature="letters"] tr.feature a')
    expect(page.url()).toBe(`${hub.url}/builds/v0.5.0-rc1/matrix?feature=letters`)
    expect(await page.locator('tbody[data-feature]').count()).toBe(1)
    const row = page.locator('tr.scenario', { hasText: manual!.name })
    expect(await row.isVisible()).toBe(true)
    expect(await row.locator('td[data-column="community/manual"]').getAttribute('data-status')).toBe('failed')
    expect(await row.locator('td[data-column="community/manual"]').innerText()).toContain('by alice')
    expect(await page.locator('.hub-back a').getAttribute('href')).toBe('/builds/v0.5.0-rc1/matrix')
    await checkPage(page, 'large-matrix-feature')
    // a feature the scope does not hold
    const unknown = await page.goto(`${hub.url}/builds/v0.5.0-rc1/matrix?feature=nope`)
    expect(unknown!.status()).toBe(404)
    await context.close()
  })
})
