import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { findFeatureFiles } from '../catalogue/read-feature-source.ts'
import { ENV_TAG_PREFIX } from '../catalogue/tag-meaning.ts'

const ENV_TAG = new RegExp(`(?:^|\\s)${ENV_TAG_PREFIX}(\\S+)`, 'gm')

/**
 * What `run` runs when no --tags is given: neither work in progress nor manual scenarios, nor
 * scenarios tagged for other environments only (`@env:<name>`: a fifty-node check belongs to the
 * environment of fifty nodes). A scenario tagged for this environment and another runs here.
 */
export function defaultTags(featuresDir: string, environment: string): string {
  const base = 'not @wip and not @manual'
  const others = [...environmentTags(featuresDir)].filter((name) => name !== environment).sort()
  if (others.length === 0) return base
  return `${base} and (not (${others.map((name) => `${ENV_TAG_PREFIX}${name}`).join(' or ')}) or ${ENV_TAG_PREFIX}${environment})`
}

/** The environments named by `@env:` tags in the features folder's files. */
function environmentTags(featuresDir: string): Set<string> {
  const names = new Set<string>()
  if (!existsSync(featuresDir)) return names
  for (const uri of findFeatureFiles(featuresDir)) {
    let text: string
    try {
      text = readFileSync(path.join(featuresDir, uri), 'utf8')
    } catch {
      continue // cucumber reports a file it cannot read
    }
    if (!text.includes(ENV_TAG_PREFIX)) continue
    for (const match of text.matchAll(ENV_TAG)) names.add(match[1]!)
  }
  return names
}
