/**
 * The one place that reads settings (STYLE.md §5): command-line flags, then `SFSYNC_*` environment
 * variables, then the config file (`$SFSYNC_HOME/config.json`, or `SFSYNC_CONFIG`), then defaults.
 * Nothing else in sfsync reads `process.env`.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { ConfigError } from './sfsync-error.ts'

/** Defaults of every setting. */
export const CONFIG_DEFAULTS = {
  logLevel: 'warn',
  apiVersion: '62.0',
  stateSchema: 'sfsync',
  /** Salesforce: "Changes can take up to 10 minutes to take effect" (reference/salesforce-oauth.md §10). */
  propagationWaitSeconds: 600,
  httpMaxRetries: 4,
  httpTimeoutMs: 120_000,
  /** Loopback callback of the web-server flow; it must be one of the app's Callback URLs. */
  callbackUrl: 'http://127.0.0.1:53682/callback',
  /** How long a process waits for another one's token refresh before giving up. */
  lockTimeoutMs: 60_000,
} as const

/** A setting's name in each of the three places it can come from. */
interface SettingSpec {
  readonly env: string
  readonly file: string
  readonly kind: 'string' | 'int' | 'level' | 'version' | 'url'
}

const SETTINGS = {
  home: { env: 'SFSYNC_HOME', file: 'home', kind: 'string' },
  stateUrl: { env: 'SFSYNC_STATE_URL', file: 'stateUrl', kind: 'url' },
  stateSchema: { env: 'SFSYNC_STATE_SCHEMA', file: 'stateSchema', kind: 'string' },
  logLevel: { env: 'SFSYNC_LOG_LEVEL', file: 'logLevel', kind: 'level' },
  logFile: { env: 'SFSYNC_LOG_FILE', file: 'logFile', kind: 'string' },
  apiVersion: { env: 'SFSYNC_API_VERSION', file: 'apiVersion', kind: 'version' },
  propagationWaitSeconds: { env: 'SFSYNC_PROPAGATION_WAIT', file: 'propagationWaitSeconds', kind: 'int' },
  httpMaxRetries: { env: 'SFSYNC_HTTP_RETRIES', file: 'httpMaxRetries', kind: 'int' },
  httpTimeoutMs: { env: 'SFSYNC_HTTP_TIMEOUT_MS', file: 'httpTimeoutMs', kind: 'int' },
  callbackUrl: { env: 'SFSYNC_CALLBACK_URL', file: 'callbackUrl', kind: 'url' },
  lockTimeoutMs: { env: 'SFSYNC_LOCK_TIMEOUT_MS', file: 'lockTimeoutMs', kind: 'int' },
} as const satisfies Record<string, SettingSpec>

type SettingName = keyof typeof SETTINGS

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** Flags as the CLI parsed them (camelCase names of `SETTINGS`); undefined means "not given". */
export type ConfigFlags = Partial<Record<SettingName, string | number | undefined>>

/** The resolved settings, frozen. Secrets sit apart in `secrets` and never print. */
export interface ResolvedConfig {
  readonly home: string
  /** `sqlite:<path>` or a `postgres://` URL. */
  readonly stateUrl: string
  readonly stateSchema: string
  readonly logLevel: string
  readonly logFile: string | undefined
  readonly apiVersion: string
  readonly propagationWaitSeconds: number
  readonly httpMaxRetries: number
  readonly httpTimeoutMs: number
  readonly callbackUrl: string
  readonly lockTimeoutMs: number
  /** Where each setting came from, for `doctor` and error messages. */
  readonly sources: Readonly<Record<string, 'flag' | 'env' | 'file' | 'default'>>
  readonly secrets: ResolvedSecrets
}

/** Secret inputs read from the environment; `toJSON` hides them so that printing the config is safe. */
export interface ResolvedSecrets {
  /** `SFSYNC_MASTER_KEY`: 32 bytes as base64 or 64 hex characters. */
  readonly masterKey: string | undefined
  /** `SFSYNC_CLIENT_SECRET`: the consumer secret for `sfsync connect`. */
  readonly clientSecret: string | undefined
  /** `SFSYNC_CONTROL_TOKEN` is not read here: only the emulator has one. */
  toJSON(): Record<string, string>
}

export interface ConfigSources {
  readonly flags?: ConfigFlags
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Parsed config file; when omitted it is read from disk. */
  readonly file?: Readonly<Record<string, unknown>>
  /** Home folder of the user (for `~/.sfsync`); defaults to the OS's. */
  readonly userHome?: string
}

function parseValue(name: string, spec: SettingSpec, raw: unknown): string | number {
  if (spec.kind === 'int') {
    const n = typeof raw === 'number' ? raw : Number(String(raw).trim())
    if (!Number.isInteger(n) || n < 0)
      throw new ConfigError(name, `"${String(raw)}" is not a whole number >= 0`)
    return n
  }
  const s = String(raw).trim()
  if (s === '') throw new ConfigError(name, 'is empty')
  if (spec.kind === 'level' && !LOG_LEVELS.includes(s))
    throw new ConfigError(name, `"${s}" is not one of ${LOG_LEVELS.join(', ')}`)
  if (spec.kind === 'version' && !/^\d{2,3}\.0$/.test(s))
    throw new ConfigError(name, `"${s}" is not an API version such as 62.0`)
  if (spec.kind === 'url' && !URL.canParse(s) && !s.startsWith('sqlite:'))
    throw new ConfigError(name, `"${s}" is not a URL`)
  return s
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new ConfigError(path, 'cannot be read', { cause: err })
  }
  try {
    const parsed: unknown = JSON.parse(text)
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('the top level is not an object')
    return parsed as Record<string, unknown>
  } catch (err) {
    throw new ConfigError(path, `is not a JSON object (${(err as Error).message})`, {
      cause: err,
      nextStep: 'Fix the file or remove it; every setting also has a flag and an SFSYNC_* variable.',
    })
  }
}

/**
 * Resolves every setting as flag > `SFSYNC_*` variable > config file > default.
 * @example const config = resolveConfig({ flags: { logLevel: 'info' }, env: process.env })
 */
export function resolveConfig(sources: ConfigSources = {}): ResolvedConfig {
  const env = sources.env ?? {}
  const flags = sources.flags ?? {}
  const userHome = sources.userHome ?? homedir()
  const origin: Record<string, 'flag' | 'env' | 'file' | 'default'> = {}

  const pick = (name: SettingName, file: Readonly<Record<string, unknown>>): string | number | undefined => {
    const spec = SETTINGS[name]
    const flag = flags[name]
    if (flag !== undefined) {
      origin[name] = 'flag'
      return parseValue(`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, spec, flag)
    }
    const fromEnv = env[spec.env]
    if (fromEnv !== undefined && fromEnv !== '') {
      origin[name] = 'env'
      return parseValue(spec.env, spec, fromEnv)
    }
    if (file[spec.file] !== undefined) {
      origin[name] = 'file'
      return parseValue(`config file "${spec.file}"`, spec, file[spec.file])
    }
    origin[name] = 'default'
    return undefined
  }

  // The home folder decides where the config file is, so it cannot come from that file.
  const homeRaw = pick('home', {})
  const home = resolve(
    typeof homeRaw === 'string' ? expandHome(homeRaw, userHome) : join(userHome, '.sfsync'),
  )
  const filePath = env.SFSYNC_CONFIG ? resolve(env.SFSYNC_CONFIG) : join(home, 'config.json')
  const file = sources.file ?? readConfigFile(filePath)

  const str = (name: SettingName): string | undefined => {
    const v = pick(name, file)
    return v === undefined ? undefined : String(v)
  }
  const int = (name: SettingName, fallback: number): number => {
    const v = pick(name, file)
    return typeof v === 'number' ? v : fallback
  }

  const stateUrlRaw = str('stateUrl')
  let stateUrl = `sqlite:${join(home, 'state.sqlite')}`
  if (stateUrlRaw !== undefined) {
    if (/^postgres(ql)?:\/\//.test(stateUrlRaw)) stateUrl = stateUrlRaw
    else if (stateUrlRaw.startsWith('sqlite:')) {
      const p = stateUrlRaw.slice('sqlite:'.length)
      stateUrl = `sqlite:${isAbsolute(p) ? p : resolve(home, p)}`
    } else
      throw new ConfigError('SFSYNC_STATE_URL', 'must start with postgres:// (or sqlite:<path>)', {
        nextStep: 'Leave it unset to keep the state in $SFSYNC_HOME/state.sqlite.',
      })
  }
  const stateSchema = str('stateSchema') ?? CONFIG_DEFAULTS.stateSchema
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(stateSchema))
    throw new ConfigError('SFSYNC_STATE_SCHEMA', `"${stateSchema}" is not a plain schema name`)
  const callbackUrl = str('callbackUrl') ?? CONFIG_DEFAULTS.callbackUrl

  const masterKey = env.SFSYNC_MASTER_KEY === '' ? undefined : env.SFSYNC_MASTER_KEY
  const clientSecret = env.SFSYNC_CLIENT_SECRET === '' ? undefined : env.SFSYNC_CLIENT_SECRET
  const secrets: ResolvedSecrets = Object.freeze({
    masterKey,
    clientSecret,
    toJSON: () => ({
      masterKey: masterKey ? '[set]' : '[unset]',
      clientSecret: clientSecret ? '[set]' : '[unset]',
    }),
  })

  return Object.freeze({
    home,
    stateUrl,
    stateSchema,
    logLevel: str('logLevel') ?? CONFIG_DEFAULTS.logLevel,
    logFile: str('logFile'),
    apiVersion: str('apiVersion') ?? CONFIG_DEFAULTS.apiVersion,
    propagationWaitSeconds: int('propagationWaitSeconds', CONFIG_DEFAULTS.propagationWaitSeconds),
    httpMaxRetries: int('httpMaxRetries', CONFIG_DEFAULTS.httpMaxRetries),
    httpTimeoutMs: int('httpTimeoutMs', CONFIG_DEFAULTS.httpTimeoutMs),
    callbackUrl,
    lockTimeoutMs: int('lockTimeoutMs', CONFIG_DEFAULTS.lockTimeoutMs),
    sources: Object.freeze({ ...origin }),
    secrets,
  })
}

function expandHome(p: string, userHome: string): string {
  return p === '~' ? userHome : p.startsWith('~/') ? join(userHome, p.slice(2)) : p
}

/** Resolves the config of this process: its flags and its real environment. */
export function resolveProcessConfig(flags: ConfigFlags = {}): ResolvedConfig {
  return resolveConfig({ flags, env: process.env })
}

/** True when standard input is an interactive terminal (read here so that only config/ touches process). */
export function stdinIsInteractive(): boolean {
  return process.stdin.isTTY === true
}
