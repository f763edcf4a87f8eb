/**
 * The keyword and text of every step a message stream announced, each pair once, and a
 * scenario's steps as a string of their pairs' numbers (two UTF-16 units a step): Cucumber
 * announces every scenario before running any, so its steps are held that long — as a list, two
 * pointers a step and a list's own 48 bytes; as a string, 4 bytes a step. Number 0 is a step of
 * no pickle step (a hook): no keyword, no text.
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

/** Steps' pair numbers as a string (two units each). */
export function stepsText(numbers: readonly number[]): string {
  const units = new Array<number>(2 * numbers.length)
  for (let i = 0; i < numbers.length; i++) {
    units[2 * i] = numbers[i]! >>> 16
    units[2 * i + 1] = numbers[i]! & 0xffff
  }
  if (units.length <= CHUNK) return String.fromCharCode.apply(null, units)
  // (a call takes so many arguments: a stream may announce a scenario of any length)
  const parts: string[] = []
  for (let at = 0; at < units.length; at += CHUNK) parts.push(String.fromCharCode.apply(null, units.slice(at, at + CHUNK)))
  return parts.join('')
}

const CHUNK = 8192

/** The pair number of step `at` of such a string. */
export function pairAt(steps: string, at: number): number {
  return ((steps.charCodeAt(2 * at) << 16) | steps.charCodeAt(2 * at + 1)) >>> 0
}

/** How many steps such a string holds. */
export function stepCount(steps: string): number {
  return steps.length / 2
}

/** Whether such a string holds a step of the scenario's own (not only hooks). */
export function hasOwnStep(steps: string): boolean {
  for (let at = 0; at < stepCount(steps); at++) if (pairAt(steps, at) !== 0) return true
  return false
}
