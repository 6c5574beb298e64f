/**
 * Test fixture of the client-side tests: a running emulator (started through its public entry point,
 * as the brief allows for tests; the client code itself never imports the emulator), its control API,
 * and a runner for `sfsync` subprocesses with their own $SFSYNC_HOME.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
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
  /**
   * Resolves with the first defined value `check` returns; it is called on every chunk of output (and
   * once at once), so a wait is driven by what the command prints, never by a fixed sleep.
   */
  waitFor<T>(
    check: (out: { stdout: string; stderr: string }) => T | undefined,
    what: string,
    timeoutMs?: number,
  ): Promise<T>
  /** What the command printed so far. */
  output(): { stdout: string; stderr: string }
  /** Sends a signal (default SIGTERM); on a `terminal`, to `script`, not to sfsync. */
  kill(signal?: NodeJS.Signals): void
  /** Types on the `terminal` (`'\x03'` is Ctrl-C: the terminal sends sfsync SIGINT). */
  type(keys: string): void
}

/** `script` of util-linux on the PATH: it runs a command on a pseudo-terminal (no native addon needed). */
function findScript(): string {
  const found = (process.env.PATH ?? '')
    .split(':')
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'script'))
    .find((path) => existsSync(path))
  if (!found)
    throw new Error(
      'util-linux `script` is not on the PATH: the terminal tests run the CLI on a pseudo-terminal through it (Debian: apt-get install bsdutils)',
    )
  return found
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}

/**
 * Starts `sfsync ARGS` as a subprocess with only the given SFSYNC_* variables. With `terminal`, it runs
 * on a pseudo-terminal through util-linux `script` (stdout and stderr are then both the terminal, and
 * what it shows arrives on `stdout`); a machine without `script` fails the test with the way to get it.
 */
export function spawnCli(
  args: readonly string[],
  options: { env: Record<string, string | undefined>; input?: string; terminal?: boolean },
): RunningCli {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('SFSYNC_')) env[k] = v
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v
  // -q: no "Script started" lines; -e: its exit code is the command's; -f: output flushed at once.
  const child = options.terminal
    ? spawn(
        findScript(),
        // exec: sfsync alone in the terminal's foreground, as when a person runs it (Ctrl-C reaches it only).
        ['-qefc', `exec ${[process.execPath, MAIN, ...args].map(shellQuote).join(' ')}`, '/dev/null'],
        { env: { ...env, SHELL: '/bin/sh' }, stdio: ['pipe', 'pipe', 'pipe'] },
      )
    : spawn(process.execPath, [MAIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const listeners = new Set<() => void>()
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
    for (const l of listeners) l()
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
    for (const l of listeners) l()
  })
  // A terminal's keyboard stays open while the command runs (see `type`); keys typed as it ends are lost.
  child.stdin.on('error', () => {})
  if (options.input !== undefined) child.stdin.end(options.input)
  else if (!options.terminal) child.stdin.end()
  const done = new Promise<CliResult>((resolve) =>
    child.once('close', (code) => {
      child.stdin.destroy()
      resolve({ code, stdout, stderr })
    }),
  )
  const waitFor = <T>(
    check: (out: { stdout: string; stderr: string }) => T | undefined,
    what: string,
    timeoutMs = 30_000,
  ): Promise<T> =>
    new Promise((resolve, reject) => {
      const listener = () => {
        const found = check({ stdout, stderr })
        if (found === undefined) return
        listeners.delete(listener)
        clearTimeout(timer)
        resolve(found)
      }
      const timer = setTimeout(() => {
        listeners.delete(listener)
        reject(new Error(`timed out waiting for ${what}; stdout: ${stdout}\nstderr: ${stderr}`))
      }, timeoutMs)
      listeners.add(listener)
      void done.then(() => {
        if (!listeners.has(listener)) return
        listener()
        if (!listeners.has(listener)) return
        listeners.delete(listener)
        clearTimeout(timer)
        reject(new Error(`the command ended before ${what}; stdout: ${stdout}\nstderr: ${stderr}`))
      })
      listener()
    })
  return {
    done,
    pid: child.pid,
    output: () => ({ stdout, stderr }),
    kill: (signal = 'SIGTERM') => child.kill(signal),
    type: (keys) => {
      if (!options.terminal) throw new Error('type() needs a command started with terminal: true')
      child.stdin.write(keys)
    },
    waitFor,
    waitForStderr: (pattern, timeoutMs) =>
      waitFor(({ stderr: err }) => pattern.exec(err) ?? undefined, `${String(pattern)} in stderr`, timeoutMs),
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
