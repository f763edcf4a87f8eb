import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { makeDirectory } from '../../src/files.ts'

/** The files of an Allure report's history/ that its next report reads for trends. */
export const HISTORY_FILES = ['history.json', 'history-trend.json', 'duration-trend.json', 'categories-trend.json', 'retry-trend.json']

export interface GitLabArtifactSource {
  apiUrl: string
  projectId: string
  /** CI_JOB_TOKEN (sent as JOB-TOKEN) or a personal/project token (PRIVATE-TOKEN) */
  token: { kind: 'job' | 'private'; value: string }
  /** refs to try, in order: this branch's latest report, then the default branch's */
  refs: string[]
  /** the job whose artifacts hold the previous report */
  job: string
  /** the report's folder inside those artifacts, e.g. reports/allure-report */
  reportPath: string
}

/**
 * Brings the previous pipeline's Allure history into `reportDir/history/` through GitLab's job
 * artifacts API (the latest successful `job` of a ref), so the trend grows from one pipeline to
 * the next without a shared cache. Nothing found (the first pipeline) is no error; what went
 * wrong is returned to be said, and the report is made without history.
 */
export async function fetchAllureHistory(source: GitLabArtifactSource, reportDir: string): Promise<{ ref?: string; files: number; problem?: string }> {
  const headers: Record<string, string> = { [source.token.kind === 'job' ? 'JOB-TOKEN' : 'PRIVATE-TOKEN']: source.token.value }
  let problem: string | undefined
  for (const ref of [...new Set(source.refs.filter(Boolean))]) {
    const found: [string, Buffer][] = []
    for (const file of HISTORY_FILES) {
      const url = `${source.apiUrl.replace(/\/$/, '')}/projects/${encodeURIComponent(source.projectId)}/jobs/artifacts/${encodeURIComponent(ref)}/raw/${source.reportPath.replace(/^\/|\/$/g, '')}/history/${file}?job=${encodeURIComponent(source.job)}`
      try {
        const response = await fetch(url, { headers, signal: AbortSignal.timeout(30_000), redirect: 'follow' })
        if (response.status === 404) continue
        if (!response.ok) {
          problem = `GitLab answered ${response.status} for the previous report's ${file} of ${ref}`
          continue
        }
        found.push([file, Buffer.from(await response.arrayBuffer())])
      } catch (error) {
        problem = `the previous report's history could not be read from GitLab (${(error as Error).message})`
      }
    }
    if (found.length) {
      makeDirectory(path.join(reportDir, 'history'))
      for (const [file, data] of found) writeFileSync(path.join(reportDir, 'history', file), data)
      return { ref, files: found.length }
    }
  }
  return { files: 0, ...(problem ? { problem } : {}) }
}
