import { statSync } from 'node:fs'
import { UserError, fsErrorCode } from '../errors.ts'
import type { Catalogue, CatalogueError, CatalogueFile } from './catalogue-types.ts'
import { findFeatureFiles, readFeatureSource } from './read-feature-source.ts'
import { FeatureParser, type Detail, type ParsedFeature } from './parse-feature.ts'

/**
 * Catalogues every `.feature` file under `featuresDir`. A file that cannot be read or parsed
 * contributes its errors and nothing else; all other files are still catalogued.
 */
export function buildCatalogue(featuresDir: string): Catalogue {
  const files: CatalogueFile[] = []
  const errors: CatalogueError[] = []
  for (const parsed of catalogueFiles(featuresDir)) {
    if (parsed.file) files.push(parsed.file)
    errors.push(...parsed.errors)
  }
  return { featuresDir, files, errors }
}

/** The same, one file at a time, for callers that need not hold the whole suite in memory. */
export function* catalogueFiles(featuresDir: string, detail: Detail = 'full'): Generator<ParsedFeature> {
  assertFeaturesDirectory(featuresDir)
  const parser = new FeatureParser()
  for (const uri of findFeatureFiles(featuresDir)) {
    const source = readFeatureSource(featuresDir, uri)
    yield 'error' in source ? { errors: [source.error] } : parser.parse(uri, source.text, detail)
  }
}

/** A features folder that is missing or no folder is one line saying so. */
export function assertFeaturesDirectory(dir: string): void {
  try {
    if (statSync(dir).isDirectory()) return
  } catch (error) {
    if (fsErrorCode(error) !== 'ENOENT') throw new UserError('FEATURES_UNREADABLE', `${dir}: cannot read features directory (${fsErrorCode(error) ?? String(error)})`)
    throw new UserError('FEATURES_MISSING', `${dir}: features directory not found; pass the folder holding your .feature files with --features`)
  }
  throw new UserError('FEATURES_MISSING', `${dir}: is not a directory; --features takes the folder holding your .feature files`)
}
