import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { globalAgent } from 'node:https'
import { X509Certificate } from 'node:crypto'
import { createInterface } from 'node:readline'
import { Agent, request } from 'undici'
import { Connection } from 'jsforce'
import { startEmulator } from '../emulator.ts'

const MAIN = new URL('../../cli/main.ts', import.meta.url).pathname

test('--https: TLS with a generated certificate that clients trust through its PEM', async () => {
  const emu = await startEmulator({ seed: 'https', records: { Account: 5 }, https: true })
  const certPath = emu.info.certPath ?? ''
  try {
    assert.match(emu.info.instanceUrl, /^https:\/\/127\.0\.0\.1:\d+$/)
    assert.match(emu.info.loginUrl, /^https:\/\/localhost:\d+$/)
    assert.ok(emu.info.controlUrl.startsWith('https://'))
    const pem = readFileSync(certPath, 'utf8')
    const cert = new X509Certificate(pem)
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1')
    assert.equal(cert.checkHost('localhost'), 'localhost')
    assert.ok(!pem.includes('PRIVATE KEY'), 'the key is not written out')

    const trusting = new Agent({ connect: { ca: pem } })
    try {
      for (const base of [emu.info.instanceUrl, emu.info.loginUrl]) {
        const res = await request(`${base}/services/data`, { dispatcher: trusting })
        assert.equal(res.statusCode, 200)
        assert.ok(Array.isArray(await res.body.json()))
      }
    } finally {
      await trusting.close()
    }
    // Without the PEM the certificate is refused: it is self-signed, not from a public CA.
    await assert.rejects(request(`${emu.info.instanceUrl}/services/data`), /self-signed|certificate/i)
  } finally {
    await emu.close()
  }
  assert.ok(!existsSync(certPath), 'the PEM file goes away with the emulator')
})

test('jsforce logs in and queries over https once the certificate is trusted', async () => {
  const emu = await startEmulator({ seed: 'https-jsforce', records: { Account: 7 }, https: true })
  // jsforce's transport (node-fetch) uses https.globalAgent; this test process trusts the emulator.
  const previousCa = globalAgent.options.ca
  globalAgent.options.ca = readFileSync(emu.info.certPath ?? '', 'utf8')
  try {
    const conn = new Connection({
      // Client credentials are served on the My Domain (instance) host only, as on Salesforce.
      oauth2: {
        loginUrl: emu.info.instanceUrl,
        clientId: emu.info.consumerKey,
        clientSecret: emu.info.consumerSecret,
      },
      version: '60.0',
    })
    await conn.authorize({ grant_type: 'client_credentials' })
    assert.equal(conn.instanceUrl, emu.info.instanceUrl)
    const result = await conn.query<{ Id: string }>('SELECT Id FROM Account')
    assert.equal(result.totalSize, 7)
  } finally {
    globalAgent.options.ca = previousCa
    await emu.close()
  }
})

test('sfsync emulator --https prints certPath and https URLs on its startup line', async () => {
  const child = spawn(
    process.execPath,
    [MAIN, 'emulator', '--https', '--seed', 'cli-https', '--records', 'Account=3'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  try {
    const lines = createInterface({ input: child.stdout })
    const first = new Promise<string>((resolve, reject) => {
      lines.once('line', resolve)
      child.once('exit', (code) => reject(new Error(`emulator exited early (${code}): ${stderr}`)))
    })
    const info = JSON.parse(await first) as Record<string, string>
    assert.match(info.instanceUrl ?? '', /^https:\/\/127\.0\.0\.1:\d+$/)
    const pem = readFileSync(info.certPath ?? '', 'utf8')
    const trusting = new Agent({ connect: { ca: pem } })
    try {
      const res = await request(`${info.instanceUrl}/services/data`, { dispatcher: trusting })
      assert.equal(res.statusCode, 200)
      await res.body.dump()
    } finally {
      await trusting.close()
    }
  } finally {
    child.kill('SIGTERM')
    if (child.exitCode === null) await once(child, 'exit')
  }
})
