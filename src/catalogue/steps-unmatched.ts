import type { StepMatcher } from './load-step-definitions.ts'

/** cucumber-js's own configuration files, looked for in this order where none is given. */
export const CONFIG_FILES = ['cucumber.js', 'cucumber.cjs', 'cucumber.mjs', 'cucumber.json', 'cucumber.yaml', 'cucumber.yml']

/**
 * Why steps cannot be matched: no configuration and no step definitions under steps/. The
 * project runs its scenarios with another runner (godog, behave, playwright-bdd…), whose own
 * results say which steps are undefined; every step called undefined here would be untrue.
 */
export function stepsUnmatched(steps: StepMatcher): string | undefined {
  return steps.count === 0 && !steps.configFile ? `no step definitions found: no cucumber-js configuration (${CONFIG_FILES.join(', ')}) and none under steps/` : undefined
}
