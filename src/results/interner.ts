/**
 * One copy of each repeated string (uris, feature names, tags, keywords, step texts) and of each
 * list of them. A results file repeats them on every line; at 100,000 cases the copies JSON.parse
 * makes would be most of the memory. Lists are frozen: they are shared by many cases.
 */
export class Interner {
  private readonly strings = new Map<string, string>()
  private readonly lists = new Map<string, readonly string[]>()

  string(value: string): string {
    const known = this.strings.get(value)
    if (known !== undefined) return known
    this.strings.set(value, value)
    return value
  }

  list(values: readonly string[]): readonly string[] {
    const key = values.join('\u0000')
    const known = this.lists.get(key)
    if (known) return known
    const list = Object.freeze(values.map((v) => this.string(v)))
    this.lists.set(key, list)
    return list
  }
}
