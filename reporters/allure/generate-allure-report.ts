import { spawn } from 'node:child_process'
import { cpSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { UserError } from '../../src/errors.ts'

/**
 * Generates the Allure HTML report with allure-commandline. Trends need history: the previous
 * report's history/ is copied into the results first, as Allure expects.
 */
export async function generateAllureReport(resultsDir: string, reportDir: string): Promise<void> {
  const previousHistory = path.join(reportDir, 'history')
  if (existsSync(previousHistory)) cpSync(previousHistory, path.join(resultsDir, 'history'), { recursive: true })
  const allure = path.join(path.dirname(createRequire(import.meta.url).resolve('allure-commandline/package.json')), 'dist/bin/allure')
  const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn(allure, ['generate', resultsDir, '-o', reportDir, '--clean'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let text = ''
    child.stdout.on('data', (d: Buffer) => (text += d.toString()))
    child.stderr.on('data', (d: Buffer) => (text += d.toString()))
    child.on('error', (error) => resolve({ code: -1, text: error.message }))
    child.on('exit', (code) => resolve({ code, text }))
  })
  if (output.code !== 0) {
    const java = /JAVA_HOME|java: not found|No such file/i.test(output.text)
    throw new UserError('ALLURE_FAILED', java ? 'allure-commandline needs Java (11 or newer) on PATH or JAVA_HOME set; install e.g. openjdk-17-jre-headless' : `allure generate failed: ${output.text.trim().split('\n').slice(-3).join(' ')}`)
  }
}
