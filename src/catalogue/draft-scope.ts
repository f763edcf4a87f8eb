import path from 'node:path'
import type { Feature, Tag } from '@cucumber/messages'
import { Document } from 'yaml'
import type { CatalogueError } from './catalogue-types.ts'
import { findFeatureFiles, readFeatureSource } from './read-feature-source.ts'
import { parseGherkin } from './parse-feature.ts'
import { FEATURE_TAG_PREFIX } from './tag-meaning.ts'
import { KEBAB_ID, parseScope } from './scope.ts'
import { assertFeaturesDirectory } from './build-catalogue.ts'

/** A scope feature proposed from the feature files. */
export interface DraftFeature {
  id: string
  name: string
  acceptance: string
}

/** A feature file with no `@feature:` tag, and the tag that ties it to its proposed scope feature. */
export interface UntaggedFile {
  /** relative to the features folder, `/`-separated */
  uri: string
  /** the `Feature:` line */
  line: number
  id: string
}

export interface ScopeDraft {
  features: DraftFeature[]
  untagged: UntaggedFile[]
  /** files that could not be read or parsed (they proposed nothing): each at its first problem, with how many more it has */
  skipped: (CatalogueError & { more: number })[]
  /** files read */
  files: number
}

/**
 * A first scope for a suite that has none: the `@feature:` ids its files already use, and one
 * scope feature for each file that uses none (its id from the file's name, its name from the
 * Feature's, its acceptance from the Feature's description, else "every scenario of the file
 * passes"). A team adopting bdd-matrix has feature files before it has a scope; drafting one
 * from them is the first step, then the team edits and freezes it.
 */
export function draftScope(featuresDir: string): ScopeDraft {
  const features = new Map<string, DraftFeature>()
  const untagged: UntaggedFile[] = []
  const skipped: ScopeDraft['skipped'] = []
  assertFeaturesDirectory(featuresDir)
  const uris = findFeatureFiles(featuresDir)
  const byFile: { uri: string; feature: Feature; ids: string[] }[] = []
  for (const uri of uris) {
    const source = readFeatureSource(featuresDir, uri)
    if ('error' in source) {
      skipped.push({ ...source.error, more: 0 })
      continue
    }
    const document = parseGherkin(uri, source.text)
    if ('errors' in document) {
      skipped.push({ ...document.errors[0]!, more: document.errors.length - 1 })
      continue
    }
    const feature = document.feature
    // ids the file already uses, on the Feature or on any of its scenarios, rules or examples
    const ids = featureIdsIn(feature)
    byFile.push({ uri, feature, ids })
    const onFeature = featureIds(feature.tags)
    for (const id of ids) {
      if (features.has(id)) continue
      const own = onFeature.includes(id)
      features.set(id, { id, name: own ? featureName(feature, uri) : id, acceptance: (own && firstParagraph(feature.description)) || `Every scenario tagged ${FEATURE_TAG_PREFIX}${id} passes.` })
    }
  }
  // files using no id, after every used id is known: a proposed id never takes a used one
  for (const { uri, feature, ids } of byFile) {
    if (ids.length) continue
    const id = unused(idFromFileName(uri), features)
    features.set(id, { id, name: featureName(feature, uri), acceptance: firstParagraph(feature.description) || `Every scenario of ${uri} passes.` })
    untagged.push({ uri, line: feature.location.line, id })
  }
  return { features: [...features.values()], untagged, skipped, files: uris.length }
}

/** The draft as a scope file: checked as `loadScope` checks one, with a header saying what to do next. */
export function scopeDraftYaml(draft: ScopeDraft, scope: { milestone: string; name?: string; frozen: string }, file: string): string {
  const doc = new Document({ milestone: scope.milestone, ...(scope.name ? { name: scope.name } : {}), frozen: scope.frozen, features: draft.features })
  doc.commentBefore = [
    ` Scope of ${scope.milestone}, drafted by bdd-matrix scope init from ${draft.files} feature file(s).`,
    ' Review it before freezing: ids, names, acceptance criteria; add `environments: [local, …]` where',
    ' a feature must pass and `status` where it stands. `frozen` is the day the scope is frozen.',
    ' Then: bdd-matrix catalogue, and bdd-matrix scope freeze.',
  ].join('\n')
  const text = doc.toString({ lineWidth: 0 })
  parseScope(text, file)
  return text
}

/**
 * The file's text with `@feature:<id>` on its Feature: after its last tag when it has tags,
 * else on a line of its own above `Feature:`, at its indentation; line endings kept.
 */
export function withFeatureTag(text: string, uri: string, id: string): string {
  const document = parseGherkin(uri, text)
  if ('errors' in document) throw new Error(`${uri}: not a feature file`)
  const feature = document.feature
  // lines and the line ending after each, as written (a file of mixed endings keeps them)
  const parts = text.split(/(\r?\n)/)
  const tag = `${FEATURE_TAG_PREFIX}${id}`
  const last = feature.tags.reduce<Tag | undefined>((a, t) => (!a || t.location.line > a.location.line || (t.location.line === a.location.line && (t.location.column ?? 0) > (a.location.column ?? 0)) ? t : a), undefined)
  if (last) {
    const index = 2 * (last.location.line - 1)
    const line = parts[index]!
    const end = (last.location.column ?? 1) - 1 + last.name.length
    parts[index] = `${line.slice(0, end)} ${tag}${line.slice(end)}`
  } else {
    const index = 2 * (feature.location.line - 1)
    const indentation = /^\s*/.exec(parts[index]!)![0]
    parts.splice(index, 0, `${indentation}${tag}`, parts[index + 1] ?? (text.includes('\r\n') ? '\r\n' : '\n'))
  }
  const tagged = parts.join('')
  const check = parseGherkin(uri, tagged)
  if ('errors' in check || !featureIds(check.feature.tags).includes(id)) throw new Error(`${uri}: the tag could not be added where Gherkin reads it`)
  return tagged
}

function featureIds(tags: readonly Tag[]): string[] {
  return tags.filter((t) => t.name.startsWith(FEATURE_TAG_PREFIX) && t.name.length > FEATURE_TAG_PREFIX.length).map((t) => t.name.slice(FEATURE_TAG_PREFIX.length))
}

/** Every `@feature:` id written in the feature, in the order written. */
function featureIdsIn(feature: Feature): string[] {
  const ids = new Set(featureIds(feature.tags))
  const scenarios = (children: Feature['children']): void => {
    for (const child of children) {
      if (child.rule) {
        for (const id of featureIds(child.rule.tags)) ids.add(id)
        scenarios(child.rule.children)
      }
      if (child.scenario) {
        for (const id of featureIds(child.scenario.tags)) ids.add(id)
        for (const examples of child.scenario.examples) for (const id of featureIds(examples.tags)) ids.add(id)
      }
    }
  }
  scenarios(feature.children)
  // an id the scope would refuse is not proposed: lint names such tags
  return [...ids].filter((id) => KEBAB_ID.test(id))
}

function featureName(feature: Feature, uri: string): string {
  return feature.name.trim() || path.posix.basename(uri, '.feature')
}

/** The description's first paragraph on one line: what the Feature says it is for. */
function firstParagraph(description: string): string {
  return (description.trim().split(/\n\s*\n/)[0] ?? '').replace(/\s+/g, ' ').trim()
}

/** `deployment_launch.feature` → `deployment-launch`, as scope ids are written. */
function idFromFileName(uri: string): string {
  const id = path.posix
    .basename(uri, '.feature')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
  return id || 'feature'
}

function unused(id: string, taken: Map<string, unknown>): string {
  if (!taken.has(id)) return id
  for (let n = 2; ; n++) if (!taken.has(`${id}-${n}`)) return `${id}-${n}`
}
