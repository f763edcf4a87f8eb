import path from 'node:path'
import { LiveCatalogue } from './hub-catalogue.ts'
import { HubService, type HubLimits } from './hub-service.ts'
import { openDatabase } from './store/database.ts'
import { HubStore } from './store/hub-store.ts'

export interface HubSettings {
  root: string
  /** DATABASE_URL: a PostgreSQL server; the embedded store otherwise */
  databaseUrl?: string
  /** the embedded store's folder, relative to root */
  db?: string
  features?: string
  scope?: string
  limits?: Partial<HubLimits>
  now?: () => Date
  /** how often the features folder is looked at for edits */
  catalogueRefreshMs?: number
}

export const DEFAULT_DB = '.bdd-matrix/db'

/** The store alone: what the token commands need. */
export async function openStore(settings: HubSettings): Promise<HubStore> {
  const db = await openDatabase({ ...(settings.databaseUrl ? { url: settings.databaseUrl } : {}), dir: path.resolve(settings.root, settings.db ?? DEFAULT_DB) })
  return new HubStore(db, settings.now)
}

/** Store, project catalogue and service: what `serve` runs. */
export async function openHub(settings: HubSettings): Promise<HubService> {
  const project = new LiveCatalogue(settings.root, { ...(settings.features ? { features: settings.features } : {}), ...(settings.scope ? { scope: settings.scope } : {}) }, settings.catalogueRefreshMs ?? 2000)
  const store = await openStore(settings)
  return new HubService(store, project, { maxEvidenceBytes: 10 << 20, claimHours: 48, ...settings.limits })
}
