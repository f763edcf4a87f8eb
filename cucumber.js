// cucumber-js configuration: one profile per environment (`npx cucumber-js -p docker`).
// `bdd-matrix run --env NAME` uses the default profile with the environment set for it, and
// `bdd-matrix lint` reads `import` to find the step definitions.
const common = {
  paths: ['features/**/*.feature'],
  // typescript.mjs registers tsx so that the TypeScript step definitions after it load.
  import: ['steps/support/typescript.mjs', 'steps/**/*.ts'],
  // `bdd-matrix run` adds: nor scenarios tagged for other environments only (@env:scale, the
  // fifty-node network; src/run/default-tags.ts). Cucumber ands these with any --tags.
  tags: 'not @wip and not @manual',
}

const on = (environment) => ({ ...common, worldParameters: { environment } })

export default on('local')
export const local = on('local')
export const docker = on('docker')
export const feature = on('feature')
export const scale = on('scale')
