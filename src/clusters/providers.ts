import { UserError } from '../errors.ts'
import type { ClusterProvider } from './cluster-provider.ts'
import type { Environment } from './environment.ts'
import { LocalClusterProvider } from './local/local-cluster-provider.ts'

/** The provider an environment file names. */
export async function providerFor(env: Environment): Promise<ClusterProvider> {
  switch (env.provider) {
    case 'local':
      return new LocalClusterProvider()
    case 'docker': {
      const { DockerClusterProvider } = await import('./docker/docker-cluster-provider.ts')
      return new DockerClusterProvider()
    }
    default:
      throw new UserError('PROVIDER_UNAVAILABLE', `${env.file}: the ${env.provider} provider is not available in this version; use environments/local.yaml`)
  }
}
