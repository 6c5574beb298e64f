import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { parseRecordCounts } from './emulator-command.ts'

const MAIN = new URL('./main.ts', import.meta.url).pathname

test('parseRecordCounts reads OBJECT=COUNT lists and refuses anything else', () => {
  assert.deepEqual(parseRecordCounts('Account=10, Contact=0,Invoice__c=3'), {
    Account: 10,
    Contact: 0,
    Invoice__c: 3,
  })
  assert.throws(() => parseRecordCounts('Account=ten'), /not OBJECT=COUNT/)
  assert.throws(() => parseRecordCounts('=5'), /not OBJECT=COUNT/)
})

test('sfsync emulator prints exactly one JSON line, serves, and exits cleanly on SIGTERM', async () => {
  const child = spawn(
    process.execPath,
    [MAIN, 'emulator', '--port', '0', '--seed', 'cli-test', '--records', 'Account=25'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const lines = createInterface({ input: child.stdout })
  const stdoutLines: string[] = []
  const first = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      stdoutLines.push(line)
      if (stdoutLines.length === 1) resolve(line)
    })
    child.once('exit', (code) => reject(new Error(`emulator exited early (${code}): ${stderr}`)))
  })
  const info = JSON.parse(await first) as Record<string, unknown>
  assert.deepEqual(Object.keys(info).sort(), [
    'consumerKey',
    'consumerSecret',
    'controlToken',
    'controlUrl',
    'instanceUrl',
    'loginUrl',
    'orgId',
    'password',
    'username',
  ])
  assert.match(String(info.instanceUrl), /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.match(String(info.orgId), /^00D[A-Za-z0-9]{15}$/)

  const versions = await fetch(`${String(info.instanceUrl)}/services/data`)
  assert.equal(versions.status, 200)
  assert.ok(Array.isArray(await versions.json()))

  const control = await fetch(`${String(info.controlUrl)}/counters`)
  assert.equal(control.status, 401, 'the control API refuses requests without its token')

  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const [code] = (await exited) as [number | null]
  assert.equal(code, 0)
  assert.equal(stdoutLines.length, 1, 'stdout carries exactly one line')
})
