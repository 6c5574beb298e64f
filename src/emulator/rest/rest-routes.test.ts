import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startRestTestOrg, type RestTestOrg } from './rest-test-support.ts'

let org: RestTestOrg
before(async () => {
  org = await startRestTestOrg({ seed: 'rest-routes', records: { Account: 20, Contact: 20 } })
})
after(async () => {
  await org?.close()
})

function errorOf(body: unknown): { errorCode?: string; message?: string } {
  assert.ok(Array.isArray(body), `an error array, got ${JSON.stringify(body)}`)
  assert.equal(body.length, 1)
  return body[0] as { errorCode?: string; message?: string }
}

test('GET /services/data lists v31.0..v66.0 without a session and without counting', async () => {
  const before = org.emu.org.apiUsage.used()
  const res = await org.api('GET', '/services/data', { token: null })
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('content-type'), 'application/json;charset=UTF-8')
  assert.equal(res.headers.get('sforce-limit-info'), null)
  const versions = res.body as Array<{ version: string; url: string; label: string }>
  assert.equal(versions.length, 36)
  assert.ok(versions.some((v) => v.version === '50.0' && v.url === '/services/data/v50.0'))
  assert.ok(versions.some((v) => v.version === '51.0'))
  assert.equal(versions.at(-1)?.version, '66.0')
  const slash = await org.api('GET', '/services/data/', { token: null })
  assert.deepEqual(slash.body, versions)
  assert.equal(org.emu.org.apiUsage.used(), before)
})

test('every versioned resource needs a live session: 401 INVALID_SESSION_ID otherwise', async () => {
  for (const token of [null, 'not-a-token']) {
    const res = await org.api('GET', '/sobjects', { token })
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }])
    assert.equal(res.headers.get('sforce-limit-info'), null, 'unauthenticated calls are not counted')
  }
  const oauthScheme = await org.api('GET', '/limits', {
    token: null,
    headers: { authorization: `OAuth ${org.token}` },
  })
  assert.equal(oauthScheme.status, 200, 'the OAuth scheme is accepted too')
})

test('an unknown API version is 404 NOT_FOUND', async () => {
  for (const v of ['v30.0', 'v67.0', 'v50', 'latest']) {
    const res = await org.api('GET', `/services/data/${v}/sobjects`)
    assert.equal(res.status, 404, v)
    assert.deepEqual(errorOf(res.body), {
      errorCode: 'NOT_FOUND',
      message: 'The requested resource does not exist',
    })
  }
})

test('the version root lists resources, identity as an absolute URL', async () => {
  for (const path of ['', '/']) {
    const res = await org.api('GET', path)
    assert.equal(res.status, 200)
    const body = res.body as Record<string, string>
    assert.equal(body.sobjects, '/services/data/v60.0/sobjects')
    assert.equal(body.query, '/services/data/v60.0/query')
    assert.equal(body.limits, '/services/data/v60.0/limits')
    assert.match(body.identity ?? '', /^http:\/\/127\.0\.0\.1:\d+\/id\/00D\w{15}\/005\w{15}$/)
  }
})

test('every counted call carries Sforce-Limit-Info api-usage=N/M and /limits agrees', async () => {
  const first = await org.api('GET', '/limits')
  const second = await org.api('GET', '/limits')
  const m1 = /^api-usage=(\d+)\/(\d+)$/.exec(first.headers.get('sforce-limit-info') ?? '')
  const m2 = /^api-usage=(\d+)\/(\d+)$/.exec(second.headers.get('sforce-limit-info') ?? '')
  assert.ok(m1 && m2)
  assert.equal(Number(m2[1]), Number(m1[1]) + 1)
  assert.equal(m1[2], '15000')
  const limits = second.body as Record<string, { Max: number; Remaining: number }>
  assert.deepEqual(limits.DailyApiRequests, { Max: 15000, Remaining: 15000 - Number(m2[1]) })
  for (const key of ['DailyBulkApiBatches', 'DailyBulkV2QueryJobs', 'DataStorageMB', 'FileStorageMB'])
    assert.ok(limits[key], key)
  // Errors after authentication count too (Salesforce counts the call, whatever its answer).
  const failed = await org.api('GET', '/sobjects/NoSuchObject__c/describe')
  assert.equal(failed.status, 404)
  assert.equal(failed.headers.get('sforce-limit-info'), `api-usage=${Number(m2[1]) + 1}/15000`)
})

test('once DailyApiRequests is spent, calls get 403 REQUEST_LIMIT_EXCEEDED until the window frees some', async () => {
  const set = await org.control('PATCH', '/__emulator/api-usage', { max: 100, used: 100 })
  assert.deepEqual(set.body, { used: 100, max: 100, remaining: 0 })
  try {
    const refused = await org.api('GET', '/limits')
    assert.equal(refused.status, 403)
    assert.deepEqual(refused.body, [
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ])
    assert.equal(refused.headers.get('sforce-limit-info'), 'api-usage=100/100')
    const versions = await org.api('GET', '/services/data', { token: null })
    assert.equal(versions.status, 200, 'the Versions resource is not limited')
    await org.control('POST', '/__emulator/clock/advance', { seconds: 24 * 3600 + 60 })
    // The session timed out meanwhile (2 h); getting a new one is not an API call.
    await org.renewToken()
    const again = await org.api('GET', '/limits')
    assert.equal(again.status, 200)
    assert.equal(again.headers.get('sforce-limit-info'), 'api-usage=1/100')
  } finally {
    await org.control('PATCH', '/__emulator/api-usage', { max: 15000, used: 0 })
  }
})

test('control API: api-usage read, validated and reset; needs the control token', async () => {
  const read = await org.control('GET', '/__emulator/api-usage')
  assert.equal(read.status, 200)
  const usage = read.body as { used: number; max: number; remaining: number }
  assert.equal(usage.max, 15000)
  assert.equal(usage.remaining, usage.max - usage.used)
  const bad = await org.control('PATCH', '/__emulator/api-usage', { max: -5 })
  assert.equal(bad.status, 400)
  const empty = await org.control('PATCH', '/__emulator/api-usage', {})
  assert.equal(empty.status, 400)
  assert.equal((await org.control('DELETE', '/__emulator/api-usage')).status, 204)
  assert.equal(((await org.control('GET', '/__emulator/api-usage')).body as { used: number }).used, 0)
  const noToken = await fetch(`${org.emu.info.instanceUrl}/__emulator/api-usage`)
  assert.equal(noToken.status, 401)
})

test('describeGlobal: envelope, entries keyed like the recorded response, urls per version', async () => {
  const res = await org.api('GET', '/sobjects')
  assert.equal(res.status, 200)
  const body = res.body as {
    encoding: string
    maxBatchSize: number
    sobjects: Array<Record<string, unknown>>
  }
  assert.equal(body.encoding, 'UTF-8')
  assert.equal(body.maxBatchSize, 200)
  const account = body.sobjects.find((s) => s.name === 'Account')
  assert.ok(account)
  assert.equal(account.keyPrefix, '001')
  assert.equal(account.queryable, true)
  const urls = account.urls as Record<string, string>
  assert.equal(urls.sobject, '/services/data/v60.0/sobjects/Account')
  assert.equal(urls.describe, '/services/data/v60.0/sobjects/Account/describe')
  assert.equal(urls.rowTemplate, '/services/data/v60.0/sobjects/Account/{ID}')
  assert.deepEqual(Object.keys(account).slice(0, 3), [
    'activateable',
    'associateEntityType',
    'associateParentEntity',
  ])
  assert.equal(Object.keys(account).at(-1), 'urls')
  const v50 = await org.api('GET', '/services/data/v50.0/sobjects')
  const account50 = (v50.body as typeof body).sobjects.find((s) => s.name === 'Account')
  assert.equal((account50?.urls as Record<string, string>).sobject, '/services/data/v50.0/sobjects/Account')
})

test('describe: fields, urls for the version, If-Modified-Since answered with 304', async () => {
  const res = await org.api('GET', '/sobjects/account/describe')
  assert.equal(res.status, 200)
  const body = res.body as { name: string; fields: Array<{ name: string }>; urls: Record<string, string> }
  assert.equal(body.name, 'Account')
  assert.ok(body.fields.some((f) => f.name === 'Id'))
  assert.equal(body.urls.describe, '/services/data/v60.0/sobjects/Account/describe')
  const future = new Date(org.emu.org.clock.now() + 3600_000).toUTCString()
  const notModified = await org.api('GET', '/sobjects/Account/describe', {
    headers: { 'if-modified-since': future },
  })
  assert.equal(notModified.status, 304)
  assert.equal(notModified.text, '')
  const past = new Date(Date.UTC(2000, 0, 1)).toUTCString()
  const modified = await org.api('GET', '/sobjects/Account/describe', {
    headers: { 'if-modified-since': past },
  })
  assert.equal(modified.status, 200)
  const garbage = await org.api('GET', '/sobjects/Account/describe', {
    headers: { 'if-modified-since': 'soon' },
  })
  assert.equal(garbage.status, 200)
})

test('unknown objects are 404 NOT_FOUND on every schema resource', async () => {
  for (const path of ['/sobjects/Foo/describe', '/sobjects/Foo', '/sobjects/Foo/001000000000000AAA']) {
    const res = await org.api('GET', path)
    assert.equal(res.status, 404, path)
    assert.deepEqual(errorOf(res.body), {
      errorCode: 'NOT_FOUND',
      message: 'The requested resource does not exist',
    })
  }
})

test('basic information: objectDescribe and recentItems', async () => {
  const res = await org.api('GET', '/sobjects/Contact')
  assert.equal(res.status, 200)
  const body = res.body as { objectDescribe: Record<string, unknown>; recentItems: unknown[] }
  assert.equal(body.objectDescribe.name, 'Contact')
  assert.equal(body.objectDescribe.keyPrefix, '003')
  assert.deepEqual(body.recentItems, [])
})

test('wrong methods are 405 METHOD_NOT_ALLOWED naming the allowed ones', async () => {
  const res = await org.api('PUT', '/sobjects/Account/001000000000000AAA', { body: {} })
  assert.equal(res.status, 405)
  assert.deepEqual(errorOf(res.body), {
    errorCode: 'METHOD_NOT_ALLOWED',
    message: "HTTP Method 'PUT' not allowed. Allowed are GET,HEAD,PATCH,DELETE,POST",
  })
  const del = await org.api('DELETE', '/limits')
  assert.equal(del.status, 405)
  const get = await org.api('GET', '/composite')
  assert.equal(get.status, 405)
  assert.match(errorOf(get.body).message ?? '', /Allowed are POST$/)
})

test('a URI over 16,384 bytes is refused with 414', async () => {
  const res = await org.api('GET', `/query?q=${'x'.repeat(17_000)}`)
  assert.equal(res.status, 414)
  assert.equal(errorOf(res.body).errorCode, 'URI_TOO_LONG')
})

test('malformed JSON is 400 JSON_PARSER_ERROR', async () => {
  const res = await org.api('POST', '/sobjects/Account', { rawBody: '{"Name": ' })
  assert.equal(res.status, 400)
  assert.equal(errorOf(res.body).errorCode, 'JSON_PARSER_ERROR')
  for (const rawBody of ['[]', '"x"', '42', 'null']) {
    const wrong = await org.api('POST', '/sobjects/Account', { rawBody })
    assert.equal(wrong.status, 400, rawBody)
    assert.equal(errorOf(wrong.body).errorCode, 'JSON_PARSER_ERROR')
  }
})

test('bodies are JSON: form, multipart and text bodies are 415 UNSUPPORTED_MEDIA_TYPE, nothing written', async () => {
  const before = org.emu.org.apiUsage.used()
  const cases: Array<[string, string]> = [
    ['application/x-www-form-urlencoded', 'Name=Form+Account'],
    ['multipart/form-data; boundary=x', '--x\r\n'],
    ['text/plain', '{"Name":"Text Account"}'],
    ['application/xml', '<Account><Name>x</Name></Account>'],
  ]
  for (const [type, rawBody] of cases) {
    const res = await org.api('POST', '/sobjects/Account', { rawBody, headers: { 'content-type': type } })
    assert.equal(res.status, 415, type)
    assert.deepEqual(errorOf(res.body), {
      errorCode: 'UNSUPPORTED_MEDIA_TYPE',
      message: `Content type '${type}' is not supported for this resource`,
    })
  }
  assert.equal(org.emu.org.apiUsage.used(), before + cases.length, 'refused calls still count')
  const found = await org.api(
    'GET',
    `/query?q=${encodeURIComponent("SELECT Id FROM Account WHERE Name IN ('Form Account', 'Text Account')")}`,
  )
  assert.equal((found.body as { totalSize: number }).totalSize, 0)
  const charset = await org.api('POST', '/sobjects/Account', {
    rawBody: '{"Name":"Charset Account"}',
    headers: { 'content-type': 'application/json; charset=UTF-8' },
  })
  assert.equal(charset.status, 201)
})

test('garbage thrown at every resource gets 4xx JSON answers and the emulator keeps serving', async () => {
  const paths = [
    '',
    '/limits',
    '/sobjects',
    '/sobjects/Account',
    '/sobjects/Account/describe',
    '/sobjects/Account/001000000000000AAA',
    '/sobjects/Account/%00%ff',
    '/sobjects/Contact/Email/x%40y',
    '/sobjects/Account/updated',
    '/sobjects/Account/deleted?start=x&end=y',
    '/query',
    '/query?q=SELEC',
    '/query/01gnot-a-locator',
    '/queryAll?q=',
    '/composite',
    '/composite/batch',
    '/composite/sobjects',
    '/composite/sobjects/Account',
    '/composite/sobjects/Account/Id',
  ]
  const bodies = [
    '{',
    '[]',
    '{"records": 5}',
    '{"compositeRequest": [{}]}',
    '{"batchRequests": "x"}',
    '"\u0000"',
    'null',
  ]
  const methods = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']
  for (const path of paths) {
    for (const method of methods) {
      for (const rawBody of method === 'GET' || method === 'DELETE' ? [undefined] : bodies) {
        const res = await org.api(method, path, rawBody === undefined ? {} : { rawBody })
        assert.ok(
          res.status < 500,
          `${method} ${path} ${rawBody ?? ''} answered ${res.status}: ${res.text.slice(0, 200)}`,
        )
        if (res.status >= 400) {
          assert.ok(Array.isArray(res.body), `${method} ${path} ${rawBody ?? ''}: ${res.text.slice(0, 200)}`)
        }
      }
    }
  }
  assert.equal((await org.api('GET', '/limits')).status, 200)
})

test('the Date header is the org clock: it moves with the control API clock, as cursors need', async () => {
  const whole = (ms: number) => Math.floor(ms / 1000) * 1000
  const before = await org.api('GET', '/limits')
  const advanced = await org.control('POST', '/__emulator/clock/advance', { seconds: 600 })
  const now = Date.parse((advanced.body as { now: string }).now)
  const res = await org.api('GET', '/limits')
  const date = Date.parse(res.headers.get('date') ?? '')
  const beforeDate = Date.parse(before.headers.get('date') ?? '')
  assert.ok(date >= whole(now) && date <= now + 5_000, `${res.headers.get('date')} against the org's ${now}`)
  assert.ok(date - beforeDate >= 600_000, 'the header moved with the clock')
  const unauthenticated = await org.api('GET', '/services/data', { token: null })
  assert.ok(Date.parse(unauthenticated.headers.get('date') ?? '') >= whole(now), 'every answer carries it')
})
