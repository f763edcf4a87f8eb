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

  /** shared lists of another interner (prepared-cases.ts: cases shared once already), by identity */
  private readonly ofShared = new Map<readonly string[], readonly string[]>()

  list(values: readonly string[]): readonly string[] {
    // A frozen list is one an interner made: the same few come case after case, and need no key.
    const frozen = Object.isFrozen(values)
    if (frozen) {
      const known = this.ofShared.get(values)
      if (known) return known
    }
    const key = values.join('\u0000')
    let list = this.lists.get(key)
    if (!list) this.lists.set(key, (list = Object.freeze(values.map((v) => this.string(v)))))
    if (frozen) this.ofShared.set(values, list)
    return list
  }
}
