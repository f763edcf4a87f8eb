import type { Complexity, TagMeaning } from './catalogue-types.ts'

export const FEATURE_TAG_PREFIX = '@feature:'
export const ENV_TAG_PREFIX = '@env:'
const COMPLEXITIES: readonly string[] = ['low', 'medium', 'high']

/**
 * Reads bdd-matrix's tags. Tags arrive in inheritance order (Feature, Rule, Scenario, Examples),
 * so a later, more specific `@complexity:` wins; `@feature:` and `@env:` add up.
 */
export function tagMeaning(tags: readonly string[]): TagMeaning {
  const featureIds: string[] = []
  const environments: string[] = []
  let wip = false
  let manual = false
  let complexity: Complexity | undefined
  for (const tag of tags) {
    if (tag.startsWith(FEATURE_TAG_PREFIX)) {
      const id = tag.slice(FEATURE_TAG_PREFIX.length)
      if (id && !featureIds.includes(id)) featureIds.push(id)
    } else if (tag.startsWith(ENV_TAG_PREFIX)) {
      const name = tag.slice(ENV_TAG_PREFIX.length)
      if (name && !environments.includes(name)) environments.push(name)
    } else if (tag === '@wip') wip = true
    else if (tag === '@manual') manual = true
    else if (tag.startsWith('@complexity:')) {
      const level = tag.slice('@complexity:'.length)
      if (COMPLEXITIES.includes(level)) complexity = level as Complexity
    }
  }
  const meaning: TagMeaning = complexity ? { featureIds, wip, manual, complexity } : { featureIds, wip, manual }
  if (environments.length) meaning.environments = environments
  return meaning
}

export function isValidComplexityTag(tag: string): boolean {
  return !tag.startsWith('@complexity:') || COMPLEXITIES.includes(tag.slice('@complexity:'.length))
}
