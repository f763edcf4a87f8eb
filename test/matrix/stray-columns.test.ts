import { cpSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../helpers/run-bin.ts'
import { runCliInProcess } from '../helpers/run-cli-in-process.ts'
import { tempDir } from '../helpers/temp-tree.ts'

const MESSAGES = path.join(PROJECT_ROOT, 'test/fixtures/messages')

describe('results of an environment the scope does not name', () => {
  it('are said by ingest, and named under the headline (HTML, Markdown), not only counted in small print: a misspelt --env counts for nothing', async () => {
    const project = tempDir('stray')
    cpSync(path.join(PROJECT_ROOT, 'test/fixtures/run-project/features'), path.join(project, 'features'), { recursive: true })
    // the scope requires `numbers` on local and docker; "Local" is neither
    const ingested = await runCliInProcess(['ingest', path.join(MESSAGES, 'flaky.ndjson'), '--env', 'local', '--build', 'b1', '--out', 'results'], { cwd: project })
    expect(ingested.code, ingested.stderr).toBe(0)
    expect(ingested.stderr).toBe('')
    // said at once by ingest, where it can still be ingested again; kept (nothing is lost)
    const stray = await runCliInProcess(['ingest', path.join(MESSAGES, 'flaky.ndjson'), '--env', 'Local', '--build', 'b1', '--out', 'results'], { cwd: project })
    expect(stray.code, stray.stderr).toBe(0)
    const file = /^(results\/Local-acceptance-\w+\.ndjson): /.exec(stray.stdout)![1]
    expect(stray.stderr).toContain(`--env Local: no environment of this project (docker, local): the scope requires nothing there, so the matrix counts these results in no required cell; did you mean --env local? if it was misspelt, remove ${file} and ingest again with the right --env\n`)
    // (and the same report now counts for local and Local: counted-twice below)
    expect(stray.stderr).toContain('the same report was ingested already as local/acceptance of build b1')
    // --strict makes it a failure; a name nowhere near one of the project's gets no guess
    const strict = await runCliInProcess(['ingest', path.join(MESSAGES, 'flaky.ndjson'), '--env', 'staging', '--build', 'b0', '--out', 'elsewhere', '--strict'], { cwd: project })
    expect(strict.code).toBe(1)
    expect(strict.stderr).toMatch(/^--env staging: no environment of this project \(docker, local\): .*; if it was misspelt, remove elsewhere\/staging-acceptance-\w+\.ndjson and ingest again with the right --env\n$/)
    const written = await runCliInProcess(['matrix', '--results', 'results', '--out', 'reports'], { cwd: project })
    expect(written.code, written.stderr).toBe(0)
    const said = 'results in Local/acceptance, where the scope requires no scenario at all: an environment it does not name (misspelt in ingest --env?) counts for nothing'
    // the console says what the files say
    expect(written.stdout).toMatch(/^matrix of build b1 \(a scenario counts by the worst of its required cells\): 7 scenarios: .*; 6 of 12 required cells not run: docker 6 .*\n {2}⚠ (.*)\n {2}⚠ the same report counts as b1 Local\/acceptance and as b1 local\/acceptance: .*\n$/m)
    expect(written.stdout).toContain(`  ⚠ ${said}\n`)
    const markdown = readFileSync(path.join(project, 'reports/matrix.md'), 'utf8')
    // under the headline, before the table
    expect(markdown.indexOf(`⚠️ ${said}`)).toBeGreaterThan(0)
    expect(markdown.indexOf(`⚠️ ${said}`)).toBeLessThan(markdown.indexOf('| Feature |'))
    expect(readFileSync(path.join(project, 'reports/matrix.html'), 'utf8')).toContain(`<p id="stray-columns">${said}</p>`)
    expect((JSON.parse(readFileSync(path.join(project, 'reports/matrix.json'), 'utf8')) as { unrequiredColumns: string[] }).unrequiredColumns).toEqual(['Local/acceptance'])
  })

  it('a report counted for two builds or environments is said by ingest (--strict: exit 1) and under the matrix headline of each build it counts for', async () => {
    const project = tempDir('twice')
    cpSync(path.join(PROJECT_ROOT, 'test/fixtures/run-project/features'), path.join(project, 'features'), { recursive: true })
    expect((await runCliInProcess(['ingest', path.join(MESSAGES, 'flaky.ndjson'), '--env', 'local', '--build', 'b1', '--out', 'results'], { cwd: project })).stderr).toBe('')
    // the same report again for the same build and environment is the same run: nothing to say
    expect((await runCliInProcess(['ingest', path.join(MESSAGES, 'flaky.ndjson'), '--env', 'local', '--build', 'b1', '--out', 'results'], { cwd: project })).stderr).toBe('')
    // left from the earlier job, ingested under the next build, claimed for docker: said, kept, --strict fails
    const again = await runCliInProcess(['ingest', path.join(MESSAGES, 'flaky.ndjson'), '--env', 'docker', '--build', 'b2', '--out', 'results', '--strict'], { cwd: project })
    expect(again.code).toBe(1)
    const file = /^(results\/docker-acceptance-\w+\.ndjson): /.exec(again.stdout)![1]
    expect(again.stderr).toBe(`${path.join(MESSAGES, 'flaky.ndjson')}: the same report was ingested already as local/acceptance of build b1 (${/local-acceptance-\w+/.exec(readFileSync(path.join(project, 'results', readdirSync(path.join(project, 'results')).find((f) => f.startsWith('local'))!), 'utf8'))![0]}); now as docker/acceptance of build b2, its results count twice — if it is a report left from an earlier job or another environment, remove ${file} and ingest the report this job wrote\n`)
    for (const build of ['b1', 'b2']) {
      const written = await runCliInProcess(['matrix', '--results', 'results', '--build', build, '--out', `reports-${build}`], { cwd: project })
      const said = "the same report counts as b1 local/acceptance and as b2 docker/acceptance: one test run's results claimed twice (a report left from an earlier job, or one environment's claimed for another?)"
      expect(written.stdout, build).toContain(`  ⚠ ${said}\n`)
      expect(readFileSync(path.join(project, `reports-${build}/matrix.md`), 'utf8'), build).toContain(`⚠️ ${said}`)
      expect(readFileSync(path.join(project, `reports-${build}/matrix.html`), 'utf8'), build).toContain(`<p id="counted-twice" class="gap">${said.replace(/'/g, '&#39;')}</p>`)
      expect((JSON.parse(readFileSync(path.join(project, `reports-${build}/matrix.json`), 'utf8')) as { countedTwice: string[][] }).countedTwice).toEqual([['b1 local/acceptance', 'b2 docker/acceptance']])
    }
  })
})

describe('the columns of a build\'s matrix', () => {
  it('are where it and the builds before it in the matrix\'s window ran, and where the scope requires: not a column only older builds or only later ones ran (the hub reads a build\'s window and must show the same), whatever the strips\' length', async () => {
    const project = tempDir('columns')
    cpSync(path.join(PROJECT_ROOT, 'test/fixtures/run-project/features'), path.join(project, 'features'), { recursive: true })
    const ingest = async (file: string, args: string[]) => {
      const done = await runCliInProcess(['ingest', path.join(MESSAGES, file), ...args, '--out', 'results'], { cwd: project })
      expect(done.code, done.stderr).toBe(0)
    }
    // the scope's scenarios on local in each of twelve builds; unit tests on docker in b1 only, on local in b12 only
    const builds = Array.from({ length: 12 }, (_, i) => `v0.${i + 1}.0`)
    for (const build of builds) await ingest('flaky.ndjson', ['--env', 'local', '--build', build])
    await ingest('go-unit.xml', ['--env', 'docker', '--stage', 'unit', '--build', builds[0]!])
    await ingest('go-unit.xml', ['--env', 'local', '--stage', 'unit', '--build', builds[11]!])
    const columns = async (build: string, history = '10'): Promise<string[]> => {
      const written = await runCliInProcess(['matrix', '--results', 'results', '--build', build, '--history', history, '--out', `reports-${build}`], { cwd: project })
      expect(written.code, written.stderr).toBe(0)
      return (JSON.parse(readFileSync(path.join(project, `reports-${build}/matrix.json`), 'utf8')) as { columns: { key: string }[] }).columns.map((c) => c.key)
    }
    // docker/acceptance: the scope requires it, before anything ran there
    expect(await columns(builds[11]!)).toEqual(['local/unit', 'docker/acceptance', 'local/acceptance'])
    expect(await columns(builds[10]!)).toEqual(['docker/acceptance', 'local/acceptance'])
    // v0.1.0 is the tenth build back from v0.10.0
    expect(await columns(builds[9]!)).toEqual(['docker/unit', 'docker/acceptance', 'local/acceptance'])
    expect(await columns(builds[9]!, '2')).toEqual(['docker/unit', 'docker/acceptance', 'local/acceptance'])
    expect(await columns(builds[0]!)).toEqual(['docker/unit', 'docker/acceptance', 'local/acceptance'])
  })
})
