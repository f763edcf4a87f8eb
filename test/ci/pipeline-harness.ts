import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'

/**
 * A small GitLab CI runner for tests: reads a project's .gitlab-ci.yml as GitLab does — local
 * includes with their `spec:inputs` interpolated, `extends`, `workflow:rules` and job `rules`
 * (`$VAR`, `==`, `!=`, `=~`, `&&`, `||`), `parallel:matrix`, `needs`, `when`, `allow_failure` —
 * and runs the jobs' scripts in stage order with the variables GitLab sets, in one working folder
 * (what a job leaves is what the next one gets as artifacts). Each job's `artifacts:reports:junit`
 * files (those it wrote) are collected, as GitLab's test report would. Installing lines
 * (`npm ci`, `apt-get`) are skipped: the project's dependencies and Java are already here.
 */

export type Vars = Record<string, string>

export interface Job {
  name: string
  stage: string
  script: string[]
  before_script?: string[]
  after_script?: string[]
  variables?: Record<string, string | number | boolean>
  rules?: { if?: string; when?: string }[]
  when?: string
  needs?: (string | { job: string; optional?: boolean })[]
  parallel?: { matrix: Record<string, string[] | string>[] }
  allow_failure?: boolean | { exit_codes: number[] }
  artifacts?: { reports?: { junit?: string | string[] }; paths?: string[]; expose_as?: string; expire_in?: string; when?: string }
  tags?: string[]
  extends?: string | string[]
  [key: string]: unknown
}

export interface Pipeline {
  stages: string[]
  jobs: Job[]
  workflow?: { rules?: { if?: string; when?: string }[] }
}

/** Reads the configuration: the top file, its local includes with inputs, `extends` resolved. */
export function loadPipeline(projectDir: string, file = '.gitlab-ci.yml'): Pipeline {
  const top = parse(readFileSync(path.join(projectDir, file), 'utf8')) as Record<string, unknown>
  const merged: Record<string, unknown> = {}
  for (const include of (top.include as { local: string; inputs?: Record<string, unknown> }[] | undefined) ?? []) Object.assign(merged, readComponent(path.join(projectDir, include.local), include.inputs ?? {}))
  Object.assign(merged, Object.fromEntries(Object.entries(top).filter(([k]) => k !== 'include')))
  const resolve = (name: string, seen: string[] = []): Record<string, unknown> => {
    const own = merged[name] as Record<string, unknown>
    if (!own) throw new Error(`extends: no job ${name}`)
    const parents = own.extends === undefined ? [] : Array.isArray(own.extends) ? (own.extends as string[]) : [own.extends as string]
    let out: Record<string, unknown> = {}
    for (const parent of parents) out = deepMerge(out, resolve(parent, [...seen, name]))
    return deepMerge(out, own)
  }
  const reserved = new Set(['stages', 'workflow', 'variables', 'default', 'include', 'image', 'services', 'cache', 'before_script', 'after_script', 'spec'])
  const jobs = Object.keys(merged)
    .filter((k) => !k.startsWith('.') && !reserved.has(k))
    .map((name) => ({ ...(resolve(name) as Job), name }))
  return { stages: top.stages as string[], jobs, ...(top.workflow ? { workflow: top.workflow as Pipeline['workflow'] } : {}) }
}

/** A component's body with `$[[ inputs.x ]]` replaced by the given inputs or their defaults. */
export function readComponent(file: string, given: Record<string, unknown>): Record<string, unknown> {
  const [header, body] = readFileSync(file, 'utf8').split(/^---$/m) as [string, string]
  const spec = (parse(header) as { spec: { inputs: Record<string, { default?: unknown; type?: string }> } }).spec.inputs
  for (const name of Object.keys(given)) if (!(name in spec)) throw new Error(`${file}: unknown input ${name}`)
  const text = body.replace(/\$\[\[\s*inputs\.(\w+)\s*\]\]/g, (_, name: string) => {
    if (!(name in spec)) throw new Error(`${file}: $[[ inputs.${name} ]] is not declared in spec:inputs`)
    const value = name in given ? given[name] : spec[name]!.default
    if (value === undefined) throw new Error(`${file}: input ${name} has no value and no default`)
    // GitLab's interpolation keeps types: an empty string stays a string, not YAML's null.
    return Array.isArray(value) ? JSON.stringify(value) : value === '' ? '""' : String(value)
  })
  return parse(text) as Record<string, unknown>
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a }
  for (const [k, v] of Object.entries(b)) {
    if (k === 'extends') continue
    const before = out[k]
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && before && typeof before === 'object' && !Array.isArray(before) ? deepMerge(before as Record<string, unknown>, v as Record<string, unknown>) : v
  }
  return out
}

/** `$VAR` and `${VAR}` expanded from `vars` (unset: empty), as GitLab expands variables. */
export function expand(text: string, vars: Vars): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? '')
}

/** GitLab's `rules:if` expressions: `$A`, `$A == "x"`, `$A != $B`, `$A =~ /re/`, `&&`, `||`. */
export function evaluateIf(expression: string, vars: Vars): boolean {
  return expression.split('||').some((alternative) =>
    alternative.split('&&').every((term) => {
      const t = term.trim()
      let m: RegExpExecArray | null
      const value = (operand: string): string | undefined => {
        const o = operand.trim()
        if (o.startsWith('$')) return vars[o.slice(1)]
        if (/^["'].*["']$/.test(o)) return o.slice(1, -1)
        if (o === 'null') return undefined
        return o
      }
      if ((m = /^(.+?)\s*=~\s*\/(.*)\/([a-z]*)$/.exec(t))) return new RegExp(m[2]!, m[3]).test(value(m[1]!) ?? '')
      if ((m = /^(.+?)\s*!~\s*\/(.*)\/([a-z]*)$/.exec(t))) return !new RegExp(m[2]!, m[3]).test(value(m[1]!) ?? '')
      if ((m = /^(.+?)\s*(==|!=)\s*(.+)$/.exec(t))) return (value(m[1]!) === value(m[3]!)) === (m[2] === '==')
      return Boolean(value(t))
    }),
  )
}

/** The first matching rule's `when` (default on_success), or `never` when none matches. */
function ruleWhen(rules: { if?: string; when?: string }[] | undefined, vars: Vars): string {
  if (!rules) return 'on_success'
  for (const rule of rules) if (rule.if === undefined || evaluateIf(rule.if, vars)) return rule.when ?? 'on_success'
  return 'never'
}

export interface PlannedJob {
  job: Job
  /** the name GitLab shows (with the matrix values for a parallel:matrix job) */
  name: string
  variables: Vars
  when: string
}

/** Whether the workflow creates a pipeline, and the jobs it would hold, for these variables. */
export function plan(pipeline: Pipeline, vars: Vars): PlannedJob[] | undefined {
  if (pipeline.workflow?.rules && ruleWhen(pipeline.workflow.rules, vars) === 'never') return undefined
  const planned: PlannedJob[] = []
  for (const job of [...pipeline.jobs].sort((a, b) => pipeline.stages.indexOf(a.stage) - pipeline.stages.indexOf(b.stage))) {
    const combos: Vars[] = []
    for (const entry of job.parallel?.matrix ?? [{}]) {
      let partial: Vars[] = [{}]
      for (const [key, values] of Object.entries(entry)) partial = partial.flatMap((p) => (Array.isArray(values) ? values : [values]).map((v) => ({ ...p, [key]: String(v) })))
      combos.push(...partial)
    }
    for (const combo of combos) {
      const jobVars: Vars = { ...vars }
      for (const [k, v] of Object.entries(job.variables ?? {})) jobVars[k] = v === null ? '' : expand(String(v), vars)
      Object.assign(jobVars, combo)
      const when = job.rules ? ruleWhen(job.rules, jobVars) : (job.when ?? 'on_success')
      if (when === 'never') continue
      const name = Object.keys(combo).length ? `${job.name}: [${Object.values(combo).join(', ')}]` : job.name
      planned.push({ job, name, variables: jobVars, when: job.rules ? (when === 'on_success' ? (job.when ?? 'on_success') : when) : when })
    }
  }
  return planned
}

export interface JobRun {
  name: string
  job: string
  status: 'success' | 'failed' | 'allowed-failure' | 'skipped'
  exitCode: number | null
  output: string
  /** the JUnit files this job reported (artifacts:reports:junit), relative to the project */
  junit: string[]
}

/**
 * Runs the planned jobs in stage order, each with GitLab's job variables. `npx` resolves to the
 * project's own executables through `binDir` (a folder whose `npx` the caller provides).
 */
export async function runPipeline(projectDir: string, pipeline: Pipeline, jobs: PlannedJob[], options: { binDir: string; env?: Vars; afterJob?: (run: JobRun, planned: PlannedJob) => void | Promise<void> }): Promise<JobRun[]> {
  const stageOf = (name: string): number => pipeline.stages.indexOf(jobs.find((p) => p.name === name)!.job.stage)
  const runs: JobRun[] = []
  let jobId = 1000 + Math.floor(Math.random() * 1000)
  for (const planned of jobs) {
    const { job } = planned
    const needs = (job.needs ?? []).map((n) => (typeof n === 'string' ? { job: n, optional: false } : { job: n.job, optional: n.optional ?? false }))
    // With needs, only the jobs named; without, every job of an earlier stage.
    const upstream = job.needs ? runs.filter((r) => needs.some((n) => n.job === r.job)) : runs.filter((r) => stageOf(r.name) < pipeline.stages.indexOf(job.stage))
    const failedUpstream = upstream.some((r) => r.status === 'failed')
    if (planned.when === 'on_success' && failedUpstream) {
      runs.push({ name: planned.name, job: job.name, status: 'skipped', exitCode: null, output: '', junit: [] })
      continue
    }
    jobId++
    const variables: Vars = { ...planned.variables, CI_JOB_ID: String(jobId), CI_JOB_NAME: job.name, CI_JOB_STAGE: job.stage, CI_JOB_URL: `${planned.variables.CI_PROJECT_URL ?? 'https://gitlab.example/p'}/-/jobs/${jobId}`, ...options.env }
    const before = snapshot(projectDir)
    const install = /^(npm ci|apt-get)\b/
    const main = [...(job.before_script ?? []).filter((l) => !install.test(l)), ...job.script]
    const { code, output } = await bash(projectDir, main, variables, options.binDir)
    let afterOutput = ''
    if (job.after_script?.length) afterOutput = (await bash(projectDir, job.after_script, { ...variables, CI_JOB_STATUS: code === 0 ? 'success' : 'failed' }, options.binDir)).output
    const allowed = job.allow_failure === true || (typeof job.allow_failure === 'object' && code !== null && job.allow_failure.exit_codes.includes(code))
    const patterns = job.artifacts?.reports?.junit === undefined ? [] : Array.isArray(job.artifacts.reports.junit) ? job.artifacts.reports.junit : [job.artifacts.reports.junit]
    const junit = patterns.flatMap((p) => glob(projectDir, p)).filter((f) => changedSince(before, projectDir, f))
    const run: JobRun = { name: planned.name, job: job.name, status: code === 0 ? 'success' : allowed ? 'allowed-failure' : 'failed', exitCode: code, output: output + afterOutput, junit }
    runs.push(run)
    await options.afterJob?.(run, planned)
  }
  return runs
}

function bash(cwd: string, lines: string[], vars: Vars, binDir: string): Promise<{ code: number | null; output: string }> {
  // As GitLab's shell runner does: every line runs, and the first failing one ends the script.
  const script = `set -eo pipefail\n${lines.join('\n')}\n`
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, env: { ...process.env, ...vars, PATH: `${binDir}:${process.env.PATH}` }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('exit', (code) => resolve({ code, output }))
  })
}

/** Files matching a GitLab artifacts pattern with `*` segments, relative to the project. */
function glob(root: string, pattern: string): string[] {
  const parts = pattern.split('/')
  let found = ['']
  for (const part of parts) {
    const next: string[] = []
    for (const dir of found) {
      const full = path.join(root, dir)
      if (part.includes('*')) {
        if (!existsSync(full) || !statSync(full).isDirectory()) continue
        const re = new RegExp(`^${part.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)
        for (const entry of readdirSync(full)) if (re.test(entry)) next.push(path.join(dir, entry))
      } else if (existsSync(path.join(full, part))) next.push(path.join(dir, part))
    }
    found = next
  }
  return found
}

function snapshot(root: string): Map<string, number> {
  const seen = new Map<string, number>()
  const walk = (dir: string): void => {
    const full = path.join(root, dir)
    if (!existsSync(full)) return
    for (const entry of readdirSync(full, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue
      const rel = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(rel)
      else seen.set(rel, statSync(path.join(root, rel)).mtimeMs)
    }
  }
  walk('reports')
  return seen
}

function changedSince(before: Map<string, number>, root: string, file: string): boolean {
  const was = before.get(file)
  return was === undefined || statSync(path.join(root, file)).mtimeMs !== was
}

/** A folder with an `npx` that runs this checkout's bdd-matrix, and a stand-in for other commands. */
export function npxShim(dir: string, commands: { bddMatrix: string; vitest: string }): string {
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'npx')
  writeFileSync(file, `#!/usr/bin/env bash\ncase "$1" in\n  bdd-matrix) shift; exec "${process.execPath}" "${commands.bddMatrix}" "$@" ;;\n  vitest) shift; exec "${process.execPath}" "${commands.vitest}" "$@" ;;\n  *) echo "npx $1: not available in the pipeline harness" >&2; exit 127 ;;\nesac\n`)
  chmodSync(file, 0o755)
  return dir
}
