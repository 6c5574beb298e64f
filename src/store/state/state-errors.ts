/** Errors of the state store. */
import { InputError, SfsyncError } from '../../config/sfsync-error.ts'

/** `saveConnection` of a name already stored. */
export class ConnectionExistsError extends InputError {
  constructor(name: string) {
    super(`A connection named "${name}" already exists.`, {
      code: 'CONNECTION_EXISTS',
      nextStep: `Pick another --name, or run \`sfsync disconnect --name ${name}\` first.`,
    })
  }
}

/** Another process held a connection's lock for longer than the lock timeout. */
export class LockTimeoutError extends SfsyncError {
  constructor(name: string, ms: number) {
    super(
      'LOCK_TIMEOUT',
      `Waited ${Math.round(ms / 1000)} s for another sfsync process to finish refreshing the token of "${name}".`,
      {
        nextStep: 'Check for a stuck sfsync process; raise SFSYNC_LOCK_TIMEOUT_MS if refreshes are slow.',
      },
    )
  }
}
