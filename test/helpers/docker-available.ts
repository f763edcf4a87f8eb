import { spawnSync } from 'node:child_process'

/**
 * Whether a Docker daemon answers. CI installs and starts one and sets
 * BDD_MATRIX_REQUIRE_SERVICES=1, so there the docker suites fail instead of skipping.
 */
export function dockerAvailable(): boolean {
  if (process.env.BDD_MATRIX_REQUIRE_SERVICES === '1') return true
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0
}
