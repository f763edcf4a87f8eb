// Imported first by cucumber (see cucumber.js): lets Node import the TypeScript step
// definitions that follow, in the main process and in every --parallel worker alike.
import { register } from 'tsx/esm/api'

register()
