import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isolatedDir } from '../../test/support/isolation.ts'
import { CONFIG_DEFAULTS, resolveConfig } from './config.ts'
import { ConfigError } from './sfsync-error.ts'

test('precedence is flag > SFSYNC_* variable > config file > default, per setting', (t) => {
  const home = isolatedDir(t)
  writeFileSync(
    join(home, 'config.json'),
    JSON.stringify({ logLevel: 'info', apiVersion: '60.0', httpMaxRetries: 7, propagationWaitSeconds: 30 }),
  )
  const config = resolveConfig({
    flags: { logLevel: 'debug' },
    env: { SFSYNC_HOME: home, SFSYNC_LOG_LEVEL: 'error', SFSYNC_API_VERSION: '61.0' },
  })
  assert.equal(config.logLevel, 'debug')
  assert.equal(config.apiVersion, '61.0')
  assert.equal(config.httpMaxRetries, 7)
  assert.equal(config.httpTimeoutMs, CONFIG_DEFAULTS.httpTimeoutMs)
  assert.equal(config.propagationWaitSeconds, 30)
  assert.deepEqual(
    {
      logLevel: config.sources.logLevel,
      apiVersion: config.sources.apiVersion,
      httpMaxRetries: config.sources.httpMaxRetries,
      httpTimeoutMs: config.sources.httpTimeoutMs,
    },
    { logLevel: 'flag', apiVersion: 'env', httpMaxRetries: 'file', httpTimeoutMs: 'default' },
  )
  assert.ok(Object.isFrozen(config))
})

test('the state lives in $SFSYNC_HOME (default ~/.sfsync) unless SFSYNC_STATE_URL names PostgreSQL', (t) => {
  const userHome = isolatedDir(t)
  const byDefault = resolveConfig({ env: {}, userHome })
  assert.equal(byDefault.home, join(userHome, '.sfsync'))
  assert.equal(byDefault.stateUrl, `sqlite:${join(userHome, '.sfsync', 'state.sqlite')}`)
  const pg = resolveConfig({
    env: { SFSYNC_STATE_URL: 'postgres://u:p@db:5432/sfsync', SFSYNC_STATE_SCHEMA: 'state' },
    userHome,
  })
  assert.equal(pg.stateUrl, 'postgres://u:p@db:5432/sfsync')
  assert.equal(pg.stateSchema, 'state')
  assert.equal(resolveConfig({ flags: { home: '~/x' }, env: {}, userHome }).home, join(userHome, 'x'))
})

test('bad values are refused with the setting named', (t) => {
  const userHome = isolatedDir(t)
  const bad = [
    { env: { SFSYNC_LOG_LEVEL: 'loud' }, re: /SFSYNC_LOG_LEVEL: "loud" is not one of/ },
    { env: { SFSYNC_HTTP_RETRIES: '-1' }, re: /SFSYNC_HTTP_RETRIES: "-1" is not a whole number/ },
    { env: { SFSYNC_STATE_URL: 'mysql://x' }, re: /SFSYNC_STATE_URL: must start with postgres/ },
    { env: { SFSYNC_STATE_SCHEMA: 'a"; drop' }, re: /not a plain schema name/ },
    { env: { SFSYNC_API_VERSION: 'v62' }, re: /not an API version/ },
  ]
  for (const b of bad)
    assert.throws(
      () => resolveConfig({ env: b.env, userHome }),
      (e: unknown) => e instanceof ConfigError && b.re.test(e.message),
    )
  const home = join(userHome, 'h')
  mkdirSync(home)
  writeFileSync(join(home, 'config.json'), '{ not json')
  assert.throws(() => resolveConfig({ env: { SFSYNC_HOME: home } }), /config\.json: is not a JSON object/)
})

test('secrets from the environment never print with the config', () => {
  const config = resolveConfig({
    env: { SFSYNC_CLIENT_SECRET: 'super-secret-value', SFSYNC_MASTER_KEY: 'k'.repeat(44) },
    userHome: '/nonexistent',
  })
  assert.equal(config.secrets.clientSecret, 'super-secret-value')
  const printed = JSON.stringify(config)
  assert.doesNotMatch(printed, /super-secret-value|kkkk/)
  assert.match(printed, /"clientSecret":"\[set\]"/)
  assert.equal(
    resolveConfig({ env: { SFSYNC_CLIENT_SECRET: '' }, userHome: '/nonexistent' }).secrets.clientSecret,
    undefined,
  )
})
