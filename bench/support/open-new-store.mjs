// The peers of the store start-up bench: PGlite making a store from nothing (initdb) in the given
// folder, or opening the one that is there, with a query; nothing of bdd-matrix loaded.
import { PGlite } from '@electric-sql/pglite'

const db = await PGlite.create(process.argv[2])
await db.query('select 1')
await db.close()
