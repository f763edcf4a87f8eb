// cucumber-js configuration. Profiles per environment arrive with the cluster runs;
// bdd-matrix lint reads `import` to find the step definitions.
const common = {
  paths: ['features/**/*.feature'],
  import: ['steps/support/typescript.mjs', 'steps/**/*.ts'],
  tags: 'not @wip and not @manual',
}

export default common
