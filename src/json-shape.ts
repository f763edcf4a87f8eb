// The checks every reader of a file bdd-matrix wrote makes of what JSON.parse gave it (the results
// model, the Testmo journal, gate evidence): a file edited by hand or of another version is refused
// by name, never half-read.

export type Json = Record<string, unknown>

/** A JSON object: not null, not a list. */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function isOptionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string'
}

/** A value as text: objects as their JSON (a file's value may be anything, `{"toString": {}}` too, which String() cannot turn into text). */
export function textOf(value: unknown): string {
  return typeof value === 'string' ? value : value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/** A list whose every item passes `each`. */
export function isListOf(value: unknown, each: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && value.every(each)
}
