// Services refuse text that is not text: Testmo's PHP (json_decode: "single unpaired UTF-16
// surrogate") and GitLab's Ruby (an invalid UTF-8 note is a 500); the results hub refuses it in
// what testers send. A limit counted in UTF-16 units can cut an emoji in two; these never do.

const isHigh = (code: number): boolean => code >= 0xd800 && code <= 0xdbff
const isLow = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff

/** At most `units` UTF-16 units from the start of `text`, never half of a character. */
export function headOf(text: string, units: number): string {
  if (text.length <= units) return text
  return text.slice(0, units > 0 && isHigh(text.charCodeAt(units - 1)) ? units - 1 : units)
}

/** At most `units` UTF-16 units from the end of `text`, never half of a character. */
export function tailOf(text: string, units: number): string {
  if (text.length <= units) return text
  const start = text.length - units
  return text.slice(isLow(text.charCodeAt(start)) ? start + 1 : start)
}
