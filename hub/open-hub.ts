import { LiveCatalogue } from './hub-catalogue.ts'
import { HubService, type HubLimits } from './hub-service.ts'
import { openStore, type StoreSettings } from './store/open-store.ts'

export { DEFAULT_DB, openStore } from './store/open-store.ts'

export interface HubSettings extends StoreSettings {
  features?: string
  scope?: string
  limits?: Partial<HubLimits>
  /** how often the features folder is looked at for edits */
  catalogueRefreshMs?: number
}

/** Store, project catalogue and service: what `serve` runs. */
export async function openHub(settings: HubSettings): Promise<HubService> {
  const project = new LiveCatalogue(settings.root, { ...(settings.features ? { features: settings.features } : {}), ...(settings.scope ? { scope: settings.scope } : {}) }, settings.catalogueRefreshMs ?? 2000)
  const store = await openStore(settings)
  return new HubService(store, project, { maxEvidenceBytes: 10 << 20, claimHours: 48, matrixInlineScenarios: 1000, ...settings.limits })
}
