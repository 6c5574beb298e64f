/**
 * Opens a destination from its URL: `sqlite:PATH` (or a bare file path) or `postgres://…`.
 * This is the only place that picks a dialect; everything after it talks to the Destination port.
 */
import { InputError } from '../config/sfsync-error.ts'
import type { Destination } from './destination.ts'
import { PostgresDriver } from './postgres/postgres-driver.ts'
import { SqlDestination } from './sql-destination.ts'
import { SqliteDriver } from './sqlite/sqlite-driver.ts'

/** Options of {@link openDestination}. */
export interface OpenDestinationOptions {
  /** PostgreSQL schema of the tables. Default `salesforce`. */
  readonly schema?: string
  /** Clock for `_sfsync_synced_at` and history timestamps. Default: the system clock. */
  readonly now?: () => Date
}

/**
 * Opens (and prepares) the destination at `url`.
 * @example const dest = await openDestination('sqlite:./sfsync.sqlite')
 * @example const dest = await openDestination('postgres://user@localhost/db', { schema: 'salesforce' })
 */
export async function openDestination(
  url: string,
  options: OpenDestinationOptions = {},
): Promise<Destination> {
  const schema = options.schema ?? 'salesforce'
  if (/^postgres(ql)?:\/\//i.test(url)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema))
      throw new InputError(
        `The schema name "${schema}" is not usable: letters, digits and _ only, not starting with a digit.`,
      )
    return SqlDestination.open(await PostgresDriver.open({ url, schema }), { now: options.now })
  }
  const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : url
  if (path.length === 0 || /^[a-z][a-z0-9+.-]*:\/\//i.test(path))
    throw new InputError(
      `Unknown destination "${url.replace(/\/\/[^@/]*@/, '//…@')}": use sqlite:PATH or postgres://…`,
    )
  return SqlDestination.open(new SqliteDriver({ path }), { now: options.now })
}
