/**
 * `npm run demo`: starts the emulator with a seeded org, shows what it serves by using it as any
 * client would (client-credentials token on the My Domain host, describeGlobal, a few queries), prints
 * how to point jsforce, curl or the Salesforce CLI at it, then stops it. `--keep` leaves it running
 * until Ctrl-C.
 */
import { startEmulator } from '../emulator/emulator.ts'

const keep = process.argv.includes('--keep')
const out = (line = '') => process.stdout.write(`${line}\n`)

const emulator = await startEmulator({
  port: 0,
  seed: 'demo',
  records: {
    Account: 2000,
    Contact: 5000,
    Opportunity: 3000,
    Lead: 2000,
    Case: 2000,
    Task: 3000,
    Invoice__c: 3000,
  },
})
const { info } = emulator
try {
  out('sfsync emulator: a local Salesforce org')
  out(`  My Domain (instanceUrl)  ${info.instanceUrl}`)
  out(`  login host (loginUrl)    ${info.loginUrl}`)
  out(`  org id                   ${info.orgId}`)
  out(`  user                     ${info.username}`)
  out(`  control API              ${info.controlUrl}  (Bearer controlToken)`)
  out()

  const tokenResponse = await fetch(`${info.instanceUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: info.consumerKey,
      client_secret: info.consumerSecret,
    }),
  })
  const token = (await tokenResponse.json()) as {
    access_token?: string
    instance_url?: string
    error?: string
  }
  if (!token.access_token)
    throw new Error(`client-credentials login failed: ${token.error ?? tokenResponse.status}`)
  out(`client credentials on the My Domain host: HTTP ${tokenResponse.status}, token issued (not shown)`)
  const api = async (path: string): Promise<unknown> => {
    const res = await fetch(`${info.instanceUrl}/services/data/v66.0${path}`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    })
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`)
    return res.json()
  }
  const global = (await api('/sobjects')) as { sobjects: Array<{ name: string; queryable: boolean }> }
  out()
  out('objects and their record counts (SELECT COUNT() FROM X):')
  for (const sobject of global.sobjects.filter((s) => s.queryable)) {
    const result = (await api(`/query?q=${encodeURIComponent(`SELECT COUNT() FROM ${sobject.name}`)}`)) as {
      totalSize: number
    }
    out(`  ${sobject.name.padEnd(14)} ${String(result.totalSize).padStart(7)}`)
  }
  const sample = (await api(
    `/query?q=${encodeURIComponent('SELECT Id, Name, Account.Name, Email FROM Contact ORDER BY CreatedDate DESC LIMIT 3')}`,
  )) as {
    records: Array<{ Id: string; Name: string; Email: string | null; Account: { Name: string } | null }>
  }
  out()
  out('SELECT Id, Name, Account.Name, Email FROM Contact ORDER BY CreatedDate DESC LIMIT 3')
  for (const r of sample.records)
    out(`  ${r.Id}  ${r.Name}  (${r.Account?.Name ?? 'no account'})  ${r.Email ?? ''}`)
  out()
  out('point a client at it:')
  out(`  jsforce:  new Connection({ oauth2: { loginUrl: '${info.instanceUrl}', clientId, clientSecret } })`)
  out(`            then conn.authorize({ grant_type: 'client_credentials' })`)
  out(
    `  curl:     curl -d grant_type=client_credentials -d client_id=... -d client_secret=... ${info.instanceUrl}/services/oauth2/token`,
  )
  out(
    `  any time: npm run sfsync -- emulator --port 0   (prints the consumer key and secret as one JSON line)`,
  )
  if (keep) {
    out()
    out('running until Ctrl-C')
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
  }
} finally {
  await emulator.close()
}
