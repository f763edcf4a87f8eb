import path from 'node:path'

/**
 * The core names files by their full path; the user gave them relative to where they stand, and a
 * command in a message is pasted back there: a path under the working directory is shown relative.
 */
export function underCwd(message: string, cwd: string): string {
  const root = cwd.endsWith(path.sep) ? cwd : `${cwd}${path.sep}`
  return root === path.sep ? message : message.split(root).join('')
}
