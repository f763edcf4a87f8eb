import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'

/** The node's local database: a JSON document on disk, rewritten atomically on each change. */
export class KeyValueStore {
  private data: Record<string, unknown>

  constructor(private readonly file: string) {
    this.data = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {}
  }

  get(key: string): unknown {
    return this.data[key]
  }

  put(key: string, value: unknown): void {
    this.data[key] = value
    this.flush()
  }

  search(prefix: string): { key: string; value: unknown }[] {
    return Object.keys(this.data)
      .filter((key) => key.startsWith(prefix))
      .sort()
      .map((key) => ({ key, value: this.data[key] }))
  }

  clear(): void {
    this.data = {}
    this.flush()
  }

  private flush(): void {
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.data))
    renameSync(`${this.file}.tmp`, this.file)
  }
}
