/**
 * Test fixture of the client-side tests: a running emulator (started through its public entry point,
 * as the brief allows for tests; the client code itself never imports the emulator), its control API,
 * and a runner for `sfsync` subprocesses with their own $SFSYNC_HOME.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { openStateStore } from '../../../src/store/state/open-state-store.ts'
import type { StateStore } from '../../../src/store/state/state-store.ts'
import { SecretBox } from '../../../src/secrets/secret-box.ts'
import { createLogger, SecretValues } from '../../../src/secrets/redacting-logger.ts'
import { HttpTransport } from '../../../src/salesforce/http-transport.ts'
import { OAuthEndpoints } from '../../../src/salesforce/oauth/oauth-endpoints.ts'
import { ConnectionService } from '../../../src/salesforce/connection-service.ts'
import { TokenManager } from '../../../src/salesforce/token-manager.ts'
import { SalesforceClient } from '../../../src/salesforce/salesforce-client.ts'
import { startEmulator, type EmulatorInfo, type RunningEmulator } from '../../../src/emulator/emulator.ts'
import type { TestContextLike } from '../isolation.ts'

export interface TestOrg {
  readonly info: EmulatorInfo
  /** The running emulator, for the rare setting its control API does not offer (see its use). */
  readonly emulator: RunningEmulator
  /** Calls the control API; throws on a status >= 400. */
  control(method: string, path: string, body?: unknown): Promise<unknown>
  /** `oauth.token.<grant>` and the other counters. */
  counters(): Promise<Record<string, number>>
  resetCounters(): Promise<void>
  /** Saves a Connected App change (in force at once unless `propagationDelayMs` says otherwise). */
  patchApp(patch: Record<string, unknown>): Promise<void>
  /** Stops the emulator early (the org becomes unreachable). */
  close(): Promise<void>
}

/** A caller of the emulator's control API (`/__emulator/...`); a status >= 400 throws with the body. */
export function controlClient(
  info: Pick<EmulatorInfo, 'controlUrl' | 'controlToken'>,
): (method: string, path: string, body?: unknown) => Promise<unknown> {
  return async (method, path, body) => {
    const res = await fetch(`${info.controlUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${info.controlToken}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    if (res.status >= 400) throw new Error(`control ${method} ${path}: ${res.status} ${text}`)
    return text ? (JSON.parse(text) as unknown) : undefined
  }
}

/** Starts an emulator for the test and stops it afterwards. */
export async function startTestOrg(t: TestContextLike, seed = 'client-tests'): Promise<TestOrg> {
  const emulator = await startEmulator({ port: 0, seed, logLevel: 'fatal' })
  t.after(() => emulator.close())
  const { info } = emulator
  const control = controlClient(info)
  return {
    info,
    emulator,
    control,
    counters: async () => (await control('GET', '/counters')) as Record<string, number>,
    resetCounters: async () => {
      await control('DELETE', '/counters')
    },
    patchApp: async (patch) => {
      await control('PATCH', '/connected-app', patch)
    },
    close: () => emulator.close(),
  }
}

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const MAIN = new URL('../../../src/cli/main.ts', import.meta.url).pathname

export interface RunningCli {
  readonly done: Promise<CliResult>
  readonly pid: number | undefined
  /** Resolves with the first match of `pattern` in stderr (progress output). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  kill(): void
}

/** Starts `sfsync ARGS` as a subprocess with only the given SFSYNC_* variables. */
export function spawnCli(
  args: readonly string[],
  options: { env: Record<string, string | undefined>; input?: string },
): RunningCli {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('SFSYNC_')) env[k] = v
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const listeners = new Set<() => void>()
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
    for (const l of listeners) l()
  })
  if (options.input !== undefined) child.stdin.end(options.input)
  else child.stdin.end()
  const done = new Promise<CliResult>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  )
  return {
    done,
    pid: child.pid,
    kill: () => child.kill('SIGTERM'),
    waitForStderr: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(stderr)
          if (!m) return
          listeners.delete(check)
          clearTimeout(timer)
          resolve(m)
        }
        const timer = setTimeout(() => {
          listeners.delete(check)
          reject(new Error(`timed out waiting for ${String(pattern)} in: ${stderr}`))
        }, timeoutMs)
        listeners.add(check)
        void done.then(() => {
          if (listeners.has(check)) {
            check()
            if (listeners.has(check)) {
              listeners.delete(check)
              clearTimeout(timer)
              reject(new Error(`the command ended before ${String(pattern)}: ${stderr}`))
            }
          }
        })
        check()
      }),
  }
}

/** Runs `sfsync ARGS` to its end. */
export function runCli(
  args: readonly string[],
  options: { env: Record<string, string | undefined>; input?: string },
): Promise<CliResult> {
  return spawnCli(args, options).done
}

/** The client side, built in-process the way the CLI's runtime builds it, on a state store of the test's own. */
export interface TestClient {
  readonly store: StateStore
  readonly box: SecretBox
  readonly secrets: SecretValues
  readonly oauth: OAuthEndpoints
  readonly http: HttpTransport
  readonly service: ConnectionService
  /** Everything the logger wrote. */
  readonly logText: () => string
  client(name: string, options?: { doubtAfterMs?: number }): SalesforceClient
  tokens(name: string, options?: { doubtAfterMs?: number }): TokenManager
}

export async function openTestClient(
  t: TestContextLike,
  location: { stateUrl: string; stateSchema?: string },
  key: Buffer = randomBytes(32),
): Promise<TestClient> {
  const store = await openStateStore({
    stateUrl: location.stateUrl,
    stateSchema: location.stateSchema ?? 'sfsync',
    lockTimeoutMs: 30_000,
  })
  t.after(() => store.close())
  const secrets = new SecretValues()
  let logged = ''
  const log = createLogger({
    level: 'debug',
    secrets,
    destination: { write: (line: string) => ((logged += line), true) },
  })
  const box = new SecretBox(key)
  const http = new HttpTransport({ fetch: globalThis.fetch, log, maxRetries: 3, baseDelayMs: 20 })
  const oauth = new OAuthEndpoints({ http, secrets })
  const service = new ConnectionService({ store, box, oauth, secrets, log })
  const tokens = (name: string, options: { doubtAfterMs?: number } = {}) =>
    new TokenManager({ name, store, box, oauth, secrets, log, ...options })
  return {
    store,
    box,
    secrets,
    oauth,
    http,
    service,
    logText: () => logged,
    tokens,
    client: (name, options) =>
      new SalesforceClient({ http, apiVersion: '62.0', tokens: tokens(name, options) }),
  }
}
