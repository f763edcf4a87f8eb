// Starts a bundled script as `bdd-matrix <command>` starts its command: `node as-cli.mjs <command>
// <script> args…` sets what the bin sets for that command before the script's modules load.
import { pathToFileURL } from 'node:url'
import { keepYoungGenerationSmall } from '../../bin/young-generation.js'

const [command, script] = process.argv.splice(2, 2)
keepYoungGenerationSmall(command)
process.argv.splice(1, 1, script)
await import(pathToFileURL(script).href)
