import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The benches are not run by CI at their size (a timed test fails when the machine is busy, not
// when the code is slow), and a bench nobody ran broke unseen: bench:history stopped at its first
// push once the hub refused run ids with spaces. Each runs here on a small input, to its end;
// what it measures is not judged, only that it still measures and prints every figure.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

function bench(name: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', `${name}.bench.ts`)], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('error', reject)
    child.once('exit', (code) => resolve({ code, output }))
  })
}

describe('every bench runs to its end on a small input', () => {
  it('bench:history prints the hub figures, the goals and the doubling', async () => {
    const { code, output } = await bench('history', { BENCH_BUILDS: '2', BENCH_SCENARIOS: '40', BENCH_SECONDS: '1', BENCH_STORES: 'embedded' })
    expect(output, output).toMatch(/1 builds: matrix API \d+ ms first after start/)
    expect(output).toMatch(/2 builds: matrix API \d+ ms first after start/)
    expect(output).toMatch(/gate \d+ ms: [\d.]+× the goal; pull of one build/)
    expect(output).toMatch(/doubling the builds \(1 → 2\)/)
    expect(code).toBe(0)
  })

  it('bench:testmo prints both tools side by side, without and with each fault', async () => {
    const { code, output } = await bench('testmo', { BENCH_CASES: '300', BENCH_ROUNDS: '1' })
    expect(output, output).toMatch(/wall time ratio [\d.]+ \(goal ≤ 0.4\)/)
    // each fault, for both latencies: what each tool left in Testmo
    expect(output.match(/bdd-matrix {2}exit 0 .* lost 0 · duplicated 0 · completed true {2}OK/g)).toHaveLength(8)
    expect(output.match(/testmo CLI {2}exit/g)).toHaveLength(8)
    expect(code).toBe(0)
  })

  it('bench:ingest prints each input against its floor or peer, with its peak', async () => {
    const { code, output } = await bench('ingest', { BENCH_SCALE: '100' })
    expect(output, output).toMatch(/ {5}100 scenarios {2}floor [\d.]+ s · ingest→merge→matrix\+JUnit [\d.]+ s · ratio [\d.]+ \(goal ≤ 3\)/)
    expect(output).toMatch(/ {4}1000 scenarios {2}floor .* ratio [\d.]+ \(goal ≤ 1.5\) .* peak RSS \d+ MB \(goal ≤ 150 MB\)/)
    expect(output).toMatch(/a scenario attaching a 1 MB video/)
    expect(output).toMatch(/JUnit, a test printing 1 MB .* peer \(fast-xml-parser's parse of the file\)/)
    expect(output).toMatch(/Cucumber JSON, 1000 scenarios/)
    expect(code).toBe(0)
  })

  it('bench:catalogue prints the ratio to the bare gherkin loop and both peaks', async () => {
    const { code, output } = await bench('catalogue', { BENCH_FILES: '40' })
    expect(output, output).toMatch(/ratio {2}[\d.]+ \(goal ≤ 1.2\)/)
    expect(output.match(/peak RSS \d+ MB/g)).toHaveLength(2)
    expect(code).toBe(0)
  })

  it('bench:serve prints the submissions, the malformed ones refused and the push on each store', async () => {
    const { code, output } = await bench('serve', { BENCH_SECONDS: '1', BENCH_CONNECTIONS: '4' })
    expect(output, output).toMatch(/embedded \(PGlite\): 4 connections for 1 s: \d+ submissions\/s/)
    expect(output).toMatch(/valid submissions failed \d+ \(goal 0\); 5xx \d+ \(goal 0\)/)
    expect(output).toMatch(/push of 10000 cases in [\d.]+ s/)
    expect(code).toBe(0)
  })
})
