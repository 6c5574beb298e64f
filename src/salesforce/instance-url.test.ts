import { test } from 'node:test'
import assert from 'node:assert/strict'
import { validateInstanceUrl } from './instance-url.ts'

test('accepts My Domain, sandbox, login hosts and loopback', () => {
  assert.deepEqual(validateInstanceUrl('https://acme.my.salesforce.com/'), {
    origin: 'https://acme.my.salesforce.com',
    kind: 'my-domain',
    sandbox: false,
  })
  assert.deepEqual(validateInstanceUrl('acme--dev.sandbox.my.salesforce.com'), {
    origin: 'https://acme--dev.sandbox.my.salesforce.com',
    kind: 'my-domain',
    sandbox: true,
  })
  assert.equal(validateInstanceUrl('https://acme-dev-ed.develop.my.salesforce.com').kind, 'my-domain')
  assert.equal(validateInstanceUrl('https://login.salesforce.com').kind, 'login-host')
  assert.equal(validateInstanceUrl('https://test.salesforce.com').sandbox, true)
  assert.deepEqual(validateInstanceUrl('http://127.0.0.1:8080'), {
    origin: 'http://127.0.0.1:8080',
    kind: 'loopback',
    sandbox: false,
  })
  assert.equal(validateInstanceUrl('http://localhost:3000').kind, 'loopback')
})

test('refuses what cannot work, saying what to use instead', () => {
  const refused: [string, RegExp][] = [
    ['', /empty/],
    ['http://acme.my.salesforce.com', /only reachable over https/],
    ['https://acme.lightning.force.com', /Lightning.*/],
    ['https://acme--dev.sandbox.lightning.force.com', /Lightning/],
    ['https://acme.my.salesforce-setup.com', /Setup or Visualforce/],
    ['https://example.com', /not a Salesforce My Domain/],
    ['https://acme.my.salesforce.com/services/data', /without a path/],
    ['https://user:pw@acme.my.salesforce.com', /user name or password/],
    ['https://exa mple', /is not a URL/],
  ]
  for (const [url, re] of refused) assert.throws(() => validateInstanceUrl(url), re, url)
  assert.throws(
    () => validateInstanceUrl('https://acme--dev.sandbox.lightning.force.com'),
    (e: unknown) =>
      e instanceof Error &&
      /acme--dev\.sandbox\.my\.salesforce\.com/.test((e as { nextStep?: string }).nextStep ?? ''),
  )
})
