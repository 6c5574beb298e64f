/**
 * A bench worker process: the script itself with `--worker`, the task on stdin (never in argv: it holds
 * secrets, and `ps` shows argv), its result as one `RESULT {json}` line on stdout; its stderr is passed
 * through. Each measured run is a process of its own, so its peak RSS and CPU are its own.
 */
import { spawn } from 'node:child_process'

/** Runs `script --worker` with `nodeFlags` and returns the JSON of its RESULT line. */
export function runWorker<R>(script: string, task: unknown, nodeFlags: readonly string[] = []): Promise<R> {
  const child = spawn(process.execPath, [...nodeFlags, script, '--worker'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  child.stdin.end(JSON.stringify(task))
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => {
    process.stderr.write(d)
    err = (err + d.toString()).slice(-4000)
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '))
      if (code === 0 && line) return resolve(JSON.parse(line.slice(7)) as R)
      const why =
        err.split('\n').find((l) => /^\w*Error\b|^Error:/.test(l.trim())) ?? err.trim().split('\n').pop()
      reject(new Error(`worker exited with ${code}: ${why ?? 'no output'}`))
    })
  })
}

/** Reads a worker's task from stdin. */
export async function readTask<T>(): Promise<T> {
  let input = ''
  for await (const chunk of process.stdin) input += (chunk as Buffer).toString()
  return JSON.parse(input) as T
}
