/** A node's role in a NuNet network: Service Provider, Compute Provider, or both/other (CH). */
export type NodeRole = 'SP' | 'CP' | 'CH'

export interface DeclaredResources {
  cpu: number
  /** e.g. "4GB" or megabytes */
  ram: string | number
  disk: string | number
}

/** One node of a cluster, as an environment file or a scenario's Background declares it. */
export interface NodeSpec {
  name: string
  role: NodeRole
  onboarded: boolean
  org: string
  resources: DeclaredResources
  region?: string
  /** extra columns of a Background table (continent, country, …) */
  labels: Record<string, string>
}
