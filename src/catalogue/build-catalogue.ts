import { statSync } from 'node:fs'
import { UserError, fsErrorCode } from '../errors.ts'
import type { Catalogue, CatalogueError, CatalogueFile } from './catalogue-types.ts'
import { findFeatureFiles, readFeatureSource } from './read-feature-source.ts'
import { parseFeature } from './parse-feature.ts'

/**
 * Catalogues every `.feature` file under `featuresDir`. A file that cannot be read or parsed
 * contributes its errors and nothing else; all other files are still catalogued.
 */
export function buildCatalogue(featuresDir: string): Catalogue {
  assertDirectory(featuresDir)
  const files: CatalogueFile[] = []
  const errors: CatalogueError[] = []
  for (const uri of findFeatureFiles(featuresDir)) {
    const source = readFeatureSource(featuresDir, uri)
    if ('error' in source) {
      errors.push(source.error)
      continue
    }
    const parsed = parseFeature(uri, source.text)
    if (parsed.file) files.push(parsed.file)
    errors.push(...parsed.errors)
  }
  return { featuresDir, files, errors }
}

function assertDirectory(dir: string): void {
  try {
    if (statSync(dir).isDirectory()) return
  } catch (error) {
    if (fsErrorCode(error) !== 'ENOENT') throw new UserError('FEATURES_UNREADABLE', `${dir}: cannot read features directory (${fsErrorCode(error) ?? String(error)})`)
    throw new UserError('FEATURES_MISSING', `${dir}: features directory not found; pass the folder holding your .feature files with --features`)
  }
  throw new UserError('FEATURES_MISSING', `${dir}: is not a directory; --features takes the folder holding your .feature files`)
}
