/**
 * The keyword and text of every step a message stream announced, each pair once, by number: a
 * scenario held until it runs (packed-plans.ts) holds its steps as these numbers, 4 bytes a step.
 * Number 0 is a step of no pickle step (a hook): no keyword, no text.
 */
export class StepPairs {
  private readonly keywords: (string | undefined)[] = [undefined]
  private readonly texts: (string | undefined)[] = [undefined]
  private readonly numbers = new Map<string, Map<string, number>>()

  /** the number of a keyword and text (give them interned: they are kept) */
  numberOf(keyword: string, text: string): number {
    let byText = this.numbers.get(keyword)
    if (!byText) this.numbers.set(keyword, (byText = new Map()))
    let n = byText.get(text)
    if (n === undefined) {
      n = this.keywords.length
      byText.set(text, n)
      this.keywords.push(keyword)
      this.texts.push(text)
    }
    return n
  }

  keyword(n: number): string | undefined {
    return this.keywords[n]
  }

  text(n: number): string | undefined {
    return this.texts[n]
  }
}
