import { existsSync } from 'node:fs'
import path from 'node:path'
import { loadConfiguration, loadSupport } from '@cucumber/cucumber/api'
import { UserError } from '../errors.ts'
import { CONFIG_FILES } from './steps-unmatched.ts'
import { createRequire } from 'node:module'

export interface StepDefinitionRef {
  uri: string
  line: number
  pattern: string
}

/** Finds the step definitions a step text matches, as cucumber-js would at run time. */
export interface StepMatcher {
  readonly count: number
  /** the cucumber-js configuration that said where they are; none: this project's steps/ */
  readonly configFile?: string
  match(text: string): StepDefinitionRef[]
}

interface LoadedStepDefinition {
  uri: string
  line: number
  pattern: string | RegExp
  matchesStepName(text: string): boolean
}

export interface LoadStepDefinitionsOptions {
  cwd: string
  /** cucumber-js configuration file; its `import`/`require` paths say where step definitions are */
  configFile?: string
  profiles?: string[]
}

/**
 * Loads the project's step definitions through cucumber-js's own API (configuration, then
 * support code), so that matching follows Cucumber's rules exactly. Nothing is run.
 */
export async function loadStepDefinitions(options: LoadStepDefinitionsOptions): Promise<StepMatcher> {
  const configFile = options.configFile ?? CONFIG_FILES.find((name) => existsSync(path.join(options.cwd, name)))
  const environment = { cwd: options.cwd, stdout: process.stderr, stderr: process.stderr }
  let library: Awaited<ReturnType<typeof loadSupport>>
  // Step definitions are usually TypeScript; cucumber-js imports them natively, so make sure a
  // TypeScript loader is registered (a no-op cost when running from sources under tsx already).
  const { register } = await import('tsx/esm/api')
  register()
  try {
    const { runConfiguration } = await loadConfiguration(
      configFile ? { file: configFile, profiles: options.profiles ?? [] } : { provided: { import: ['steps/**/*.{ts,mts,cts,js,mjs,cjs}'] } },
      environment,
    )
    library = await loadSupport(runConfiguration, environment)
  } catch (error) {
    throw unloadableSteps(error, configFile)
  }
  // The public type of the library is opaque; at run time it is cucumber's SupportCodeLibrary,
  // whose step definitions expose matchesStepName (the very matcher the runner uses).
  const definitions = (library as unknown as { stepDefinitions: LoadedStepDefinition[] }).stepDefinitions
  const cwd = options.cwd
  return {
    count: definitions.length,
    ...(configFile ? { configFile } : {}),
    match(text) {
      return definitions
        .filter((definition) => definition.matchesStepName(text))
        .map((definition) => ({ uri: path.relative(cwd, path.resolve(cwd, definition.uri)), line: definition.line, pattern: String(definition.pattern) }))
    },
  }
}

/** Step definitions that do not load, said in one line with how to fix it (lint, run). */
export function unloadableSteps(error: unknown, configFile?: string): UserError {
  const message = error instanceof Error ? error.message : String(error)
  // (cucumber-js words some errors over several lines, the first of them empty)
  const reason = message.split('\n').map((line) => line.trim()).find(Boolean) ?? (error instanceof Error ? error.name : 'no reason given')
  // A package the step definitions import is missing: the project's dependencies are not installed.
  const fix =
    (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(reason)
      ? '; install the project\'s dependencies (npm install)'
      : // the step definitions import another copy of cucumber-js than the one bdd-matrix loads them with
        /instance of Cucumber that isn't running/.test(reason)
        ? secondCucumber()
        : ''
  return new UserError('STEPS_UNLOADABLE', `cannot load step definitions${configFile ? ` configured in ${configFile}` : ' from steps/'}: ${fix ? reason.replace(/\.$/, '') : reason}${fix}`, { cause: error })
}

/** How to mend step definitions that import another copy of cucumber-js than bdd-matrix's. */
function secondCucumber(): string {
  const version = (createRequire(import.meta.url)('@cucumber/cucumber/package.json') as { version: string }).version
  return `; the step definitions import another copy of @cucumber/cucumber than bdd-matrix's (${version}): run the bdd-matrix installed in the project (npx bdd-matrix, not a global one), and let npm install one copy for both (the project asking for @cucumber/cucumber ${version.split('.').slice(0, 2).join('.')}.x, or a range that holds it)`
}
