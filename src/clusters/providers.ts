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
    case 'remote': {
      const { RemoteClusterProvider } = await import('./remote/remote-cluster-provider.ts')
      return new RemoteClusterProvider()
    }
  }
}
