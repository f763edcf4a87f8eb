import path from 'node:path'
import { openDatabase } from './database.ts'
import { HubStore } from './hub-store.ts'

export const DEFAULT_DB = '.bdd-matrix/db'

export interface StoreSettings {
  root: string
  /** DATABASE_URL: a PostgreSQL server; the embedded store otherwise */
  databaseUrl?: string
  /** the embedded store's folder, relative to root */
  db?: string
  now?: () => Date
}

/**
 * The store alone: what the token commands need. Kept apart from the service so a command on
 * the store loads nothing of the catalogue or the reports.
 */
export async function openStore(settings: StoreSettings): Promise<HubStore> {
  const db = await openDatabase({ ...(settings.databaseUrl ? { url: settings.databaseUrl } : {}), dir: path.resolve(settings.root, settings.db ?? DEFAULT_DB) })
  return new HubStore(db, settings.now)
}
