import path from 'node:path'

/** Evidence a tester may attach: media type → the extensions its files have (the first is used for stored files). */
export const EVIDENCE_TYPES: Record<string, string[]> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'text/plain': ['txt', 'log'],
  'application/json': ['json'],
  'application/pdf': ['pdf'],
  'video/mp4': ['mp4'],
  'application/zip': ['zip'],
  'application/gzip': ['gz'],
}

// Attachments CI pushes may also be pages (Cucumber attachments); they are never evidence.
const KNOWN: [string, string[]][] = [...Object.entries(EVIDENCE_TYPES), ['text/html', ['html']]]

/** The media type of a file by its extension, as the hub is told when it is sent. */
export function mediaTypeOf(name: string): string {
  const ext = path.extname(name).slice(1).toLowerCase()
  return KNOWN.find(([, exts]) => exts.includes(ext))?.[0] ?? 'application/octet-stream'
}

/**
 * The type evidence is stored as: the browser's when it is one taken, else the file's extension
 * (Chromium sends a .log as text/x-log, phones send some files as application/octet-stream).
 */
export function evidenceTypeOf(browserType: string, fileName: string): string {
  const given = browserType.split(';')[0]!.trim().toLowerCase()
  if (Object.hasOwn(EVIDENCE_TYPES, given)) return given
  const ext = path.extname(fileName).slice(1).toLowerCase()
  return Object.entries(EVIDENCE_TYPES).find(([, exts]) => exts.includes(ext))?.[0] ?? given
}
