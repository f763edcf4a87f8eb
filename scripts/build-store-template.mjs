// Prepares the embedded store that new hub stores start from (dist/store-template/…): made once
// per PGlite version and schema, so `token create` on a new store takes a copy, not an initdb.
import { prepareStoreTemplate } from '../dist/hub/store/database.js'

const started = Date.now()
const { dir, made } = await prepareStoreTemplate()
if (made) console.log(`prepared the embedded store template ${dir} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
