import { describe, expect, it } from 'vitest'
import { splitStatements } from '../../hub/store/database.ts'
import { MIGRATIONS } from '../../hub/store/migrations.ts'

describe('migration statements, sent one at a time', () => {
  it('splits at semicolons outside dollar-quoted bodies, keeping a body whole', () => {
    expect(splitStatements('create table a (x int);\n alter table a add y int ;')).toEqual(['create table a (x int)', 'alter table a add y int'])
    expect(splitStatements('select 1; create function f() returns int language plpgsql as $fn$ begin perform 1; return 2; end $fn$; select $$a;b$$; select 3')).toEqual([
      'select 1',
      'create function f() returns int language plpgsql as $fn$ begin perform 1; return 2; end $fn$',
      'select $$a;b$$',
      'select 3',
    ])
  })

  it('sends the submissions function as one statement', () => {
    const statements = splitStatements(MIGRATIONS[4]!)
    expect(statements).toHaveLength(1)
    expect(statements[0]).toMatch(/^create function bdd_matrix_write_outcomes\([\s\S]*\$fn\$$/)
  })
})
