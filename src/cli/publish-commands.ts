import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { UserError, fsErrorCode } from '../errors.ts'
import type { Matrix } from '../matrix/matrix-from.ts'
import type { CliContext } from './cli-context.ts'

export function addPublishCommands(program: Command, ctx: CliContext, exit: (code: number) => void): void {
  const publish = program.command('publish').description('publish the matrix to GitLab (and, later, Testmo)')
  publish
    .command('gitlab')
    .description('post the Markdown matrix as one merge-request note (updated on the next pipeline) and set the commit status "bdd-matrix"; reads CI_* and GITLAB_TOKEN')
    .option('--matrix <file>', 'matrix JSON written by bdd-matrix matrix', 'reports/matrix.json')
    .option('--markdown <file>', 'matrix Markdown written by bdd-matrix matrix', 'reports/matrix.md')
    .option('--report-url <url>', 'link of the commit status (default: the job\'s reports/matrix.html artifact)')
    .option('--api-url <url>', 'GitLab API (default: CI_API_V4_URL)')
    .action(async (options: { matrix: string; markdown: string; reportUrl?: string; apiUrl?: string }) => {
      const { publishToGitLab } = await import('../../reporters/gitlab/gitlab-publisher.ts')
      const env = ctx.env
      const apiUrl = options.apiUrl ?? env.CI_API_V4_URL
      if (!apiUrl || !env.CI_PROJECT_ID) throw new UserError('GITLAB_CONTEXT', 'not in a GitLab CI job: CI_API_V4_URL and CI_PROJECT_ID are not set (set them, or pass --api-url)')
      if (!env.CI_MERGE_REQUEST_IID && !env.CI_COMMIT_SHA) throw new UserError('GITLAB_CONTEXT', 'nothing to publish to: neither CI_MERGE_REQUEST_IID (merge-request pipelines) nor CI_COMMIT_SHA is set')
      const matrix = readJson<Matrix>(path.resolve(ctx.cwd, options.matrix))
      const markdown = readText(path.resolve(ctx.cwd, options.markdown))
      const t = matrix.totals
      const reportUrl = options.reportUrl ?? (env.CI_JOB_URL ? `${env.CI_JOB_URL}/artifacts/file/${path.relative(ctx.cwd, path.resolve(ctx.cwd, options.matrix)).replace(/matrix\.json$/, 'matrix.html')}` : undefined)
      const outcome = await publishToGitLab(
        {
          apiUrl,
          projectId: env.CI_PROJECT_ID,
          token: env.GITLAB_TOKEN ?? '',
          ...(env.CI_MERGE_REQUEST_IID ? { mergeRequestIid: env.CI_MERGE_REQUEST_IID } : {}),
          ...(env.CI_COMMIT_SHA ? { sha: env.CI_COMMIT_SHA } : {}),
          ...(env.CI_COMMIT_REF_NAME ? { ref: env.CI_COMMIT_REF_NAME } : {}),
          ...(env.CI_PIPELINE_ID ? { pipelineId: env.CI_PIPELINE_ID } : {}),
        },
        {
          markdown,
          state: t.failed > 0 ? 'failed' : 'success',
          description: `${matrix.build}: ${t.passed} passed, ${t.failed} failed, ${t.flaky} flaky, ${t.wip} wip, ${t['not-run']} not run`,
          ...(reportUrl ? { targetUrl: reportUrl } : {}),
        },
      )
      if (outcome.note) ctx.stdout.write(`merge-request note ${outcome.note.action} (note ${outcome.note.id})\n`)
      if (outcome.status) ctx.stdout.write(`commit status bdd-matrix: ${outcome.status.state}\n`)
      exit(0)
    })
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new UserError('PUBLISH_INPUT', `${file}: ${fsErrorCode(error) === 'ENOENT' ? 'not found; write it first with bdd-matrix matrix' : `cannot be read (${fsErrorCode(error)})`}`)
  }
}

function readJson<T>(file: string): T {
  const text = readText(file)
  try {
    return JSON.parse(text) as T
  } catch {
    throw new UserError('PUBLISH_INPUT', `${file}: not JSON; write it with bdd-matrix matrix`)
  }
}
