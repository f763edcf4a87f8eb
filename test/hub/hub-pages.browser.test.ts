import { existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser } from 'playwright-core'
import { api, startHub, type TestHub } from '../helpers/hub.ts'
import { tempTree } from '../helpers/temp-tree.ts'

const CHROMIUM = '/usr/bin/chromium'
const available = process.env.BDD_MATRIX_REQUIRE_SERVICES === '1' || existsSync(CHROMIUM)

describe.skipIf(!available)('the hub\'s web pages in a real browser (headless Chromium)', () => {
  let browser: Browser
  let hub: TestHub

  beforeAll(async () => {
    hub = await startHub()
    expect((await api(hub, 'POST', '/builds', hub.tokens.qa, { name: 'v0.5.0-rc1' })).status).toBe(201)
    const [word] = [...hub.service.project.scenarios.values()].filter((s) => s.manual)
    expect((await api(hub, 'POST', '/assignments', hub.tokens.qa, { build: 'v0.5.0-rc1', scenarios: [word!.id], tester: 'alice' })).status).toBe(201)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'] })
  })
  afterAll(async () => {
    await browser?.close()
    await hub?.close()
  })

  const login = async (token: string) => {
    const context = await browser.newContext()
    const page = await context.newPage()
    // Only the hub: anything else the page asked for would fail the test.
    await page.route((url) => !url.href.startsWith(hub.url), (route) => route.abort())
    await page.goto(`${hub.url}/`)
    expect(page.url()).toBe(`${hub.url}/login`)
    await page.fill('input[name=token]', token)
    await page.click('button[type=submit]')
    return { context, page }
  }

  it('a tester logs in with a token, submits with evidence; QA accepts; the matrix cell turns passed', async () => {
    const evidence = path.join(tempTree(), 'screenshot.png')
    // a 1×1 PNG
    writeFileSync(evidence, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'))

    const tester = await login(hub.tokens.alice)
    expect(tester.page.url()).toBe(`${hub.url}/assignments`)
    await tester.page.click('text=Test it')
    await expect.poll(() => tester.page.locator('.steps li').count()).toBe(3)
    expect(await tester.page.locator('.steps li').first().innerText()).toContain('Given the word "bdd"')
    for (let i = 0; i < 3; i++) await tester.page.selectOption(`select[name=step-${i}]`, 'passed')
    await tester.page.selectOption('select[name=status]', 'passed')
    await tester.page.fill('textarea[name=comment]', 'three letters <script>window.pwned=1</script>')
    await tester.page.fill('input[name=os]', 'Debian 12')
    await tester.page.setInputFiles('input[name=evidence]', evidence)
    await tester.page.click('text=Submit outcome')
    await expect.poll(() => tester.page.url()).toMatch(/\/assignments\?submitted=\d+$/)
    expect(await tester.page.locator('#my-outcomes').innerText()).toMatch(/passed\s+awaiting review/)
    // a tester has no review queue
    const forbidden = await tester.page.goto(`${hub.url}/builds/v0.5.0-rc1/review`)
    expect(forbidden!.status()).toBe(403)
    await tester.context.close()

    const qa = await login(hub.tokens.qa)
    await qa.page.goto(`${hub.url}/builds/v0.5.0-rc1/review`)
    const outcome = qa.page.locator('section.outcome')
    await expect.poll(() => outcome.count()).toBe(1)
    // markup from a tester stays text
    expect(await outcome.innerText()).toContain('three letters <script>window.pwned=1</script>')
    expect(await qa.page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined()
    const image = await qa.page.request.get(`${hub.url}${await outcome.locator('a[href^="/evidence/"]').getAttribute('href')}`)
    expect(image.headers()['content-type']).toBe('image/png')
    await outcome.locator('select[name=verdict]').selectOption('accepted')
    await outcome.locator('button').click()
    await expect.poll(() => qa.page.locator('section.outcome').count()).toBe(0)
    await qa.page.goto(`${hub.url}/builds/v0.5.0-rc1/matrix`)
    const cell = qa.page.locator('tr.scenario', { hasText: 'a tester counts the letters of a word' }).locator('td[data-column="community/manual"]')
    expect(await cell.getAttribute('data-status')).toBe('passed')
    expect(await cell.innerText()).toContain('by alice')
    // the scenario whose name is markup is shown as text in the matrix, not run
    expect(await qa.page.evaluate(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('script').length)).toBe(1)
    expect(await qa.page.locator('tr.scenario', { hasText: '<script>alert("name")</script> stays text' }).count()).toBe(1)
    // the release gate of the build, approved from its page
    writeFileSync(path.join(hub.root, 'features/milestones/run.gates.yaml'), 'milestone: run-fixture\napplies-to: v0.5.0-rc*\ncriteria:\n  - { id: approved, kind: approvals, severity: blocking, min: 1 }\n')
    await qa.page.goto(`${hub.url}/builds/v0.5.0-rc1/gate`)
    expect(await qa.page.getAttribute('#gate', 'data-verdict')).toBe('incomplete')
    await qa.page.click('text=Approve v0.5.0-rc1 for release')
    expect(await qa.page.getAttribute('#gate', 'data-verdict')).toBe('go')
    expect(await qa.page.locator('#approvals').innerText()).toContain('qa ·')
    await qa.context.close()
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
