/**
 * `sfsync emulator --schema DIR --activity RATE --commit-lag MS --daily-api-requests N`: the flags reach
 * the running emulator (its control API and /limits say so); bad values are refused before it starts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'

const MAIN = new URL('./main.ts', import.meta.url).pathname
const FIXTURES = '/work/shared/fixtures/salesforce/describe'

function run(args: string[]) {
  const child = spawn(process.execPath, [MAIN, 'emulator', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const first = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}): ${stderr}`)))
  })
  return { child, first, stderr: () => stderr }
}

test('--schema, --activity, --commit-lag and --daily-api-requests reach the emulator', async () => {
  const { child, first } = run([
    '--seed',
    'cli-live',
    '--schema',
    FIXTURES,
    '--activity',
    '20',
    '--commit-lag',
    '1500',
    '--daily-api-requests',
    '1234',
  ])
  try {
    const info = JSON.parse(await first) as Record<string, string>
    const control = (path: string) =>
      fetch(`${info.controlUrl}${path}`, { headers: { authorization: `Bearer ${info.controlToken}` } }).then(
        (r) => r.json() as Promise<Record<string, unknown>>,
      )
    const status = (await control('/activity')) as {
      running: boolean
      config: { rate: number; commitLagMs: number }
    }
    assert.equal(status.running, true)
    assert.equal(status.config.rate, 20)
    assert.equal(status.config.commitLagMs, 1500)
    const schema = (await control('/schema')) as { sobjects: Array<{ name: string }> }
    assert.deepEqual(
      schema.sobjects.map((s) => s.name),
      ['Account', 'Contact', 'Custom__c', 'Opportunity', 'OpportunityContactRole'],
    )
    const tokenRes = await fetch(`${info.instanceUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: info.consumerKey ?? '',
        client_secret: info.consumerSecret ?? '',
      }).toString(),
    })
    const { access_token } = (await tokenRes.json()) as { access_token: string }
    const limits = await fetch(`${info.instanceUrl}/services/data/v60.0/limits`, {
      headers: { authorization: `Bearer ${access_token}` },
    })
    assert.equal(limits.headers.get('sforce-limit-info'), 'api-usage=1/1234')
  } finally {
    child.kill('SIGTERM')
    await once(child, 'exit')
  }
})

test('bad values are refused with a reason', async () => {
  for (const [args, message] of [
    [['--activity', 'fast'], /a rate is a number >= 0/],
    [['--commit-lag', '-5'], /the commit lag is a whole number >= 0/],
    [['--schema', '/nonexistent/folder'], /cannot read folder/],
  ] as Array<[string[], RegExp]>) {
    const { first, stderr } = run(args)
    await assert.rejects(first)
    assert.match(stderr(), message)
  }
})
