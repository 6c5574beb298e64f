import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const DEMO = new URL('./demo.ts', import.meta.url).pathname

test('npm run demo, at a tiny scale: syncs, queries, syncs again, ends equal to the org, exits 0, leaks no secret', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'sfsync-demo-test-'))
  try {
    const child = spawn(process.execPath, [DEMO, '--scale', '0.002', '--wait', '1'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    assert.equal(code, 0, `demo failed:\n${stdout}\n${stderr}`)
    // Not a TTY: the progress comes as JSON lines, the rest as text.
    const events = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string })
    assert.equal(events.filter((e) => e.type === 'run-done').length, 2)
    assert.match(stdout, /sfsync connect: connected "demo" to org 00D/)
    assert.match(stdout, /^ {2}Account +synced +\d[\d,]* +0 +\d+ +\S+ +load via /m)
    assert.match(stdout, /top accounts by won opportunity amount:/)
    assert.match(stdout, /invoice totals by status:\n {2}status +invoices +amount/)
    assert.match(stdout, /changes via rest/)
    assert.match(stdout, /what the incremental run changed/)
    const comparison = stdout.slice(stdout.indexOf('the database against the org'))
    assert.equal(comparison.match(/ yes$/gm)?.length, 8, comparison)
    assert.doesNotMatch(stdout + stderr, /access_token|client_secret|consumerSecret/i)
    assert.ok((await stat(join(cwd, 'sfsync-demo.sqlite'))).size > 0)
  } finally {
    await rm(cwd, { recursive: true, force: true })
  }
})
