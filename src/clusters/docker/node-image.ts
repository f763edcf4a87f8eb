import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type Dockerode from 'dockerode'

export const IMAGE_REPOSITORY = 'bdd-matrix/node'
/** where the node program's files are in the image ({dir}) */
export const PROGRAM_DIR = '/opt/bdd-matrix/program'
export const NODE_IN_IMAGE = '/usr/local/bin/node'
export const LABEL = 'bdd-matrix'

/**
 * The node image, built locally: no registry can be reached, so it is a root filesystem holding
 * this machine's own Node binary, its shared libraries and the node program's files (the
 * reference node's bundle, or a custom build's), imported with `docker import`. The tag is a
 * hash of its content, so it is built once. It has no entry point: each container is given the
 * program's whole command.
 */
export async function ensureNodeImage(docker: Dockerode, files: { source: string; target: string }[]): Promise<string> {
  const node = realpathSync(process.execPath)
  const digest = createHash('sha256').update(readFileSync(node))
  for (const file of files) digest.update(file.target).update(readFileSync(file.source))
  const hash = digest.digest('hex').slice(0, 12)
  const tag = `${IMAGE_REPOSITORY}:${hash}`
  try {
    await docker.getImage(tag).inspect()
    return tag
  } catch {
    // not built yet
  }
  const rootfs = mkdtempSync(path.join(tmpdir(), 'bdd-matrix-rootfs-'))
  try {
    const place = (source: string, target = source): void => {
      mkdirSync(path.join(rootfs, path.dirname(target)), { recursive: true })
      copyFileSync(realpathSync(source), path.join(rootfs, target))
    }
    place(node, NODE_IN_IMAGE)
    for (const library of sharedLibraries(node)) place(library)
    for (const file of files) place(file.source, `${PROGRAM_DIR}/${file.target}`)
    mkdirSync(path.join(rootfs, 'tmp'), { recursive: true })
    mkdirSync(path.join(rootfs, 'data'), { recursive: true })
    mkdirSync(path.join(rootfs, 'etc'), { recursive: true })
    writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/usr/local/bin/node\n')
    writeFileSync(path.join(rootfs, 'etc/hosts'), '127.0.0.1 localhost\n')
    const tar = spawn('tar', ['-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] })
    const options = {
      repo: IMAGE_REPOSITORY,
      tag: hash,
      changes: [`ENV PATH=/usr/local/bin:/usr/bin:/bin`, `WORKDIR ${PROGRAM_DIR}`, `LABEL ${LABEL}=node-image`],
    }
    const stream: NodeJS.ReadableStream = await docker.importImage(tar.stdout, options)
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())))
    return tag
  } finally {
    rmSync(rootfs, { recursive: true, force: true })
  }
}

/** The shared libraries a dynamically linked binary loads, as `ldd` lists them. */
function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' })
  return out
    .split('\n')
    .map((line) => /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1])
    .filter((p): p is string => Boolean(p))
}
