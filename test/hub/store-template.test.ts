import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase, prepareStoreTemplate } from '../../hub/store/database.ts'
import { SCHEMA_VERSION } from '../../hub/store/migrations.ts'
import { startFromTemplate, storeTemplateDir } from '../../hub/store/store-template.ts'
import { HubStore } from '../../hub/store/hub-store.ts'
import { tempDir } from '../helpers/temp-tree.ts'

describe('the embedded store starts from a prepared template', () => {
  it('is prepared by the build, named after the PGlite version and the schema', async () => {
    // npm install and npm test build it; made here when a test runs on an unbuilt checkout
    const { dir } = await prepareStoreTemplate()
    expect(dir).toBe(storeTemplateDir())
    expect(path.basename(dir)).toMatch(new RegExp(`^pglite-\\d+\\.\\d+\\.\\d+-schema-${SCHEMA_VERSION}-[0-9a-f]{12}$`))
    expect(existsSync(path.join(dir, 'PG_VERSION'))).toBe(true)
  })

  it('gives a new store a copy, already migrated; never touches a store or a folder that holds anything', async () => {
    await prepareStoreTemplate()
    const root = tempDir('store-template')
    const dir = path.join(root, 'db')
    expect(startFromTemplate(dir)).toBe(true)
    const db = await openDatabase({ dir })
    expect((await db.query<{ version: number }>('select version from bdd_matrix_schema'))[0]!.version).toBe(SCHEMA_VERSION)
    const store = new HubStore(db)
    await store.createToken('alice', 'tester')
    await db.close()
    // a store is there: left as it is
    expect(startFromTemplate(dir)).toBe(false)
    const reopened = await openDatabase({ dir })
    expect((await new HubStore(reopened).listTokens()).map((t) => t.name)).toEqual(['alice'])
    await reopened.close()
    // a folder with something else in it: not a place for a store, left as it is
    const other = path.join(root, 'other')
    mkdirSync(other)
    writeFileSync(path.join(other, 'notes.txt'), 'mine')
    expect(startFromTemplate(other)).toBe(false)
    expect(readFileSync(path.join(other, 'notes.txt'), 'utf8')).toBe('mine')
  })
})
