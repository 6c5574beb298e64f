/** Opens the state store the config names: SQLite in $SFSYNC_HOME, or PostgreSQL through SFSYNC_STATE_URL. */
import { SfsyncError } from '../../config/sfsync-error.ts'
import type { StateStore } from './state-store.ts'
import { SqliteStateStore } from './sqlite-state-store.ts'
import { PostgresStateStore } from './postgres-state-store.ts'

export interface StateStoreLocation {
  /** `sqlite:<path>` or `postgres://…`. */
  readonly stateUrl: string
  readonly stateSchema: string
  readonly lockTimeoutMs: number
}

/**
 * @example const store = await openStateStore({ stateUrl: 'sqlite:/home/me/.sfsync/state.sqlite', stateSchema: 'sfsync', lockTimeoutMs: 60000 })
 */
export async function openStateStore(location: StateStoreLocation): Promise<StateStore> {
  try {
    if (location.stateUrl.startsWith('sqlite:'))
      return await SqliteStateStore.open({
        path: location.stateUrl.slice('sqlite:'.length),
        lockTimeoutMs: location.lockTimeoutMs,
      })
    return await PostgresStateStore.open({
      url: location.stateUrl,
      schema: location.stateSchema,
      lockTimeoutMs: location.lockTimeoutMs,
    })
  } catch (err) {
    if (err instanceof SfsyncError) throw err
    // The URL may carry a password: name only its kind and host.
    const where = location.stateUrl.startsWith('sqlite:') ? location.stateUrl : safeHost(location.stateUrl)
    throw new SfsyncError(
      'STATE_STORE_FAILED',
      `Cannot open the state store at ${where}: ${(err as Error).message}`,
      {
        cause: err,
        nextStep: 'Check SFSYNC_HOME (or SFSYNC_STATE_URL) and that the database is reachable.',
      },
    )
  }
}

function safeHost(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname}`
  } catch {
    return 'SFSYNC_STATE_URL'
  }
}
