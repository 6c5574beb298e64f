/**
 * The run and object lifecycles as explicit state machines (STYLE.md §8). Each table is a complete,
 * non-Partial Record: adding a state or an event fails compilation until every cell is decided.
 *
 * SPEC — run
 * ```
 *   pending --start--> planning --planned--> syncing --finished--> done
 *                         |                   |   ^
 *                         |          limit-low|   |limit-ok
 *                         |                   v   |
 *                         |             waiting-for-limits
 *                         +----fatal----> failed <----fatal---- (planning, syncing, waiting)
 * ```
 * `fatal` is what stops every object (authentication refused, destination unusable, plan impossible);
 * one object's failure is not fatal: it ends that object in `failed` and the run goes on.
 *
 * SPEC — object
 * ```
 *   pending --start--> describing --unsupported--> skipped
 *                         |--needs-load--> loading --loaded--------------------------+
 *                         |--needs-changes--> backfilling --backfilled--> changes      |
 *                                                changes --changes-applied--> deletes |
 *                                                deletes --deletes-applied--> formulas |
 *                                                formulas --formulas-refreshed--> synced <+
 *   any non-final state --error--> failed
 * ```
 * A crash leaves no state behind but the checkpoint committed with the last rows; the next run starts
 * the machine from `pending` again and `describing` picks `loading` (resume the Bulk job) or
 * `backfilling` from that checkpoint, so every path after a crash is one of the paths above.
 */
import { SfsyncError } from '../config/sfsync-error.ts'

export type RunState = 'pending' | 'planning' | 'syncing' | 'waiting-for-limits' | 'done' | 'failed'
export type RunEvent = 'start' | 'planned' | 'limit-low' | 'limit-ok' | 'finished' | 'fatal'

/** What an event does in a state: the next state, `ignore` (stay), or `invalid` (a bug). */
export type Transition<S> = S | 'ignore' | 'invalid'

export const RUN_TRANSITIONS: Readonly<Record<RunState, Readonly<Record<RunEvent, Transition<RunState>>>>> = {
  pending: {
    start: 'planning',
    planned: 'invalid',
    'limit-low': 'invalid',
    'limit-ok': 'invalid',
    finished: 'invalid',
    fatal: 'failed',
  },
  planning: {
    start: 'invalid',
    planned: 'syncing',
    'limit-low': 'ignore',
    'limit-ok': 'ignore',
    finished: 'invalid',
    fatal: 'failed',
  },
  syncing: {
    start: 'invalid',
    planned: 'invalid',
    'limit-low': 'waiting-for-limits',
    'limit-ok': 'ignore',
    finished: 'done',
    fatal: 'failed',
  },
  'waiting-for-limits': {
    start: 'invalid',
    planned: 'invalid',
    'limit-low': 'ignore',
    'limit-ok': 'syncing',
    finished: 'invalid',
    fatal: 'failed',
  },
  done: {
    start: 'invalid',
    planned: 'invalid',
    'limit-low': 'ignore',
    'limit-ok': 'ignore',
    finished: 'ignore',
    fatal: 'ignore',
  },
  failed: {
    start: 'invalid',
    planned: 'invalid',
    'limit-low': 'ignore',
    'limit-ok': 'ignore',
    finished: 'ignore',
    fatal: 'ignore',
  },
}

export type ObjectState =
  | 'pending'
  | 'describing'
  | 'loading'
  | 'backfilling'
  | 'changes'
  | 'deletes'
  | 'formulas'
  | 'synced'
  | 'skipped'
  | 'failed'
export type ObjectEvent =
  | 'start'
  | 'unsupported'
  | 'needs-load'
  | 'needs-changes'
  | 'loaded'
  | 'backfilled'
  | 'changes-applied'
  | 'deletes-applied'
  | 'formulas-refreshed'
  | 'error'

const OBJECT_EVENTS: readonly ObjectEvent[] = [
  'start',
  'unsupported',
  'needs-load',
  'needs-changes',
  'loaded',
  'backfilled',
  'changes-applied',
  'deletes-applied',
  'formulas-refreshed',
  'error',
]

/** A row of the object table where only `allowed` events move, everything else is invalid (or ignored when final). */
function row(
  allowed: Partial<Record<ObjectEvent, ObjectState>>,
  otherwise: 'invalid' | 'ignore' = 'invalid',
): Record<ObjectEvent, Transition<ObjectState>> {
  const out = {} as Record<ObjectEvent, Transition<ObjectState>>
  for (const e of OBJECT_EVENTS) out[e] = allowed[e] ?? otherwise
  return out
}

export const OBJECT_TRANSITIONS: Readonly<
  Record<ObjectState, Readonly<Record<ObjectEvent, Transition<ObjectState>>>>
> = {
  pending: row({ start: 'describing', error: 'failed' }),
  describing: row({
    unsupported: 'skipped',
    'needs-load': 'loading',
    'needs-changes': 'backfilling',
    error: 'failed',
  }),
  loading: row({ loaded: 'synced', error: 'failed' }),
  backfilling: row({ backfilled: 'changes', error: 'failed' }),
  changes: row({ 'changes-applied': 'deletes', error: 'failed' }),
  deletes: row({ 'deletes-applied': 'formulas', error: 'failed' }),
  formulas: row({ 'formulas-refreshed': 'synced', error: 'failed' }),
  synced: row({}, 'ignore'),
  skipped: row({}, 'ignore'),
  failed: row({}, 'ignore'),
}

/** The lifecycle driver refused an event: a bug in the engine, never a user error. */
export class LifecycleError extends SfsyncError {
  constructor(machine: string, state: string, event: string) {
    super(
      'SYNC_FAILED',
      `Internal error: the ${machine} lifecycle cannot take "${event}" in state "${state}".`,
    )
  }
}

/**
 * Holds a state and moves it by the table; an `invalid` cell throws.
 * @example const m = new StateMachine('object', OBJECT_TRANSITIONS, 'pending'); m.send('start')
 */
export class StateMachine<S extends string, E extends string> {
  readonly #name: string
  readonly #table: Readonly<Record<S, Readonly<Record<E, Transition<S>>>>>
  #state: S
  readonly #onChange: ((from: S, to: S, event: E) => void) | undefined

  constructor(
    name: string,
    table: Readonly<Record<S, Readonly<Record<E, Transition<S>>>>>,
    initial: S,
    onChange?: (from: S, to: S, event: E) => void,
  ) {
    this.#name = name
    this.#table = table
    this.#state = initial
    this.#onChange = onChange
  }

  get state(): S {
    return this.#state
  }

  send(event: E): S {
    const next = this.#table[this.#state][event]
    if (next === 'invalid') throw new LifecycleError(this.#name, this.#state, event)
    if (next !== 'ignore') {
      const from = this.#state
      this.#state = next as S
      this.#onChange?.(from, next as S, event)
    }
    return this.#state
  }
}
