import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { tempDir } from '../helpers/temp-tree.ts'

/** A self-signed certificate for 127.0.0.1 and localhost (openssl), in a temporary folder removed with the test file's. */
export function selfSignedCertificate(name: string): { dir: string; certificateFile: string; key: Buffer; cert: Buffer } {
  const dir = tempDir(name)
  const certificateFile = path.join(dir, 'cert.pem')
  const keyFile = path.join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certificateFile], { stdio: 'ignore' })
  return { dir, certificateFile, key: readFileSync(keyFile), cert: readFileSync(certificateFile) }
}
