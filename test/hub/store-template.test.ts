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

describe('the schema upgrades in place', () => {
  it('brings a store of schema 2 to the current one, each outcome given its tester as a person', async () => {
    const dir = path.join(tempDir('store-upgrade'), 'db')
    // a store as bdd-matrix with schema 2 left it
    const { PGlite } = await import('@electric-sql/pglite')
    const old = await PGlite.create(dir)
    const { MIGRATIONS } = await import('../../hub/store/migrations.ts')
    for (const step of MIGRATIONS.slice(0, 2)) await old.exec(step)
    await old.exec(`create table bdd_matrix_schema (version integer not null); insert into bdd_matrix_schema values (2);
      insert into tokens (id, name, role, hash, created_at) values ('t_1', 'alice', 'tester', 'h1', '2026-01-01');
      insert into builds (name, created_at) values ('v0.5.0-rc1', '2026-01-01');
      insert into outcomes (build, environment, case_id, tester, version, status, steps, details, defects, evidence, content_hash, idempotency_key, request_hash, submitted_at)
        values ('v0.5.0-rc1', 'community', 'c1', 't_1', 1, 'passed', '[]', '{}', '[]', '[]', '0123456789abcdef', 'k1', 'r1', '2026-01-02')`)
    await old.close()
    const db = await openDatabase({ dir })
    const store = new HubStore(db)
    expect((await db.query<{ version: number }>('select version from bdd_matrix_schema'))[0]!.version).toBe(SCHEMA_VERSION)
    expect((await store.outcomes({ person: 'alice' })).map((o) => [o.testerName, o.version])).toEqual([['alice', 1]])
    // the name of a revoked token may now be given again
    await store.revokeToken('alice')
    await store.createToken('alice', 'tester')
    expect((await store.listTokens()).filter((t) => t.name === 'alice')).toHaveLength(2)
    await db.close()
  })
})
