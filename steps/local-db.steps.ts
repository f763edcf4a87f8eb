import { Given, When, Then, type DataTable } from '@cucumber/cucumber'
import assert from 'node:assert/strict'
import type { MatrixWorld } from './support/world.ts'

When('{string} stores {string} with value {string}', async function (this: MatrixWorld, name: string, key: string, value: string) {
  await this.client(name).kvPut(key, value)
})

Given('{string} stores the records', async function (this: MatrixWorld, name: string, table: DataTable) {
  for (const row of table.hashes()) await this.client(name).kvPut(row.key!, row.value)
})

Then('{string} should return {string} for {string}', async function (this: MatrixWorld, name: string, value: string, key: string) {
  assert.equal(await this.client(name).kvGet(key), value)
})

When('{string} searches for keys starting with {string}', async function (this: MatrixWorld, name: string, prefix: string) {
  this.last = { value: await this.client(name).kvSearch(prefix) }
})

Then('the search should return {int} records', function (this: MatrixWorld, count: number) {
  assert.equal((this.last.value as unknown[]).length, count)
})
