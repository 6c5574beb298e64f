/**
 * The live activity's settings and their validation (control API bodies, `--activity`, `--commit-lag`).
 */
import { ApiError } from '../errors.ts'
import { ACTIVITY_KINDS, type ActivityKind } from './activity-ops.ts'

export interface ActivityConfig {
  /** Activities per second while running (a burst counts once). */
  readonly rate: number
  /** Relative weight of each kind of change. */
  readonly mix: Readonly<Record<ActivityKind, number>>
  /** Objects changed (API names); empty means every createable, deletable object but User. */
  readonly objects: readonly string[]
  /** Seed of the activity's choices (defaults to the emulator's seed). */
  readonly seed: string
  /** Milliseconds between a change's SystemModstamp and its visibility to queries (real orgs: 1000–3000). */
  readonly commitLagMs: number
  /**
   * Up to this many ms more lag, drawn per activity: activities then become visible out of timestamp
   * order, so that a later change can be seen before an earlier one (a moving high-water mark skips it).
   */
  readonly commitLagJitterMs: number
  /** Changes in one burst transaction. */
  readonly burstSize: number
}

export const DEFAULT_MIX: Readonly<Record<ActivityKind, number>> = Object.freeze({
  insert: 25,
  update: 45,
  delete: 10,
  undelete: 5,
  purge: 3,
  burst: 2,
  formula: 10,
})

export function defaultActivityConfig(seed: string): ActivityConfig {
  return { rate: 0, mix: DEFAULT_MIX, objects: [], seed, commitLagMs: 0, commitLagJitterMs: 0, burstSize: 20 }
}

const KEYS = ['rate', 'mix', 'objects', 'seed', 'commitLagMs', 'commitLagJitterMs', 'burstSize'] as const

function bad(message: string): ApiError {
  return new ApiError(400, 'INVALID_REQUEST', message)
}

function number(key: string, value: unknown, min: number, max: number, integer: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw bad(`${key} must be a number from ${min} to ${max}`)
  if (integer && !Number.isInteger(value)) throw bad(`${key} must be a whole number`)
  return value
}

/**
 * Applies a partial update (a control API body) on top of `current`. `objects` are checked against
 * `known` (names matched case-insensitively, returned canonical). `mix` replaces the whole mix; kinds
 * left out weigh 0.
 */
export function updateActivityConfig(
  current: ActivityConfig,
  patch: unknown,
  known: (name: string) => string | undefined,
): ActivityConfig {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    throw bad(`Give a JSON object with any of: ${KEYS.join(', ')}`)
  const next: { -readonly [K in keyof ActivityConfig]: ActivityConfig[K] } = { ...current }
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    switch (key) {
      case 'rate':
        next.rate = number('rate', value, 0, 10_000, false)
        break
      case 'commitLagMs':
        next.commitLagMs = number('commitLagMs', value, 0, 3_600_000, true)
        break
      case 'commitLagJitterMs':
        next.commitLagJitterMs = number('commitLagJitterMs', value, 0, 3_600_000, true)
        break
      case 'burstSize':
        next.burstSize = number('burstSize', value, 1, 10_000, true)
        break
      case 'seed':
        if (typeof value !== 'string' || value === '') throw bad('seed must be a non-empty string')
        next.seed = value
        break
      case 'objects': {
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
          throw bad('objects must be an array of sObject names')
        next.objects = (value as string[]).map((name) => {
          const canonical = known(name)
          if (!canonical) throw bad(`objects: the org has no sObject '${name}'`)
          return canonical
        })
        break
      }
      case 'mix': {
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          throw bad(`mix must be an object of weights by kind (${ACTIVITY_KINDS.join(', ')})`)
        const mix: Record<string, number> = Object.fromEntries(ACTIVITY_KINDS.map((k) => [k, 0]))
        for (const [kind, weight] of Object.entries(value as Record<string, unknown>)) {
          if (!(ACTIVITY_KINDS as readonly string[]).includes(kind))
            throw bad(`mix: unknown kind '${kind}'; known: ${ACTIVITY_KINDS.join(', ')}`)
          mix[kind] = number(`mix.${kind}`, weight, 0, 1_000_000, false)
        }
        if (Object.values(mix).every((w) => w === 0)) throw bad('mix: at least one kind needs a weight > 0')
        next.mix = mix as Record<ActivityKind, number>
        break
      }
      default:
        throw bad(`Unknown activity setting '${key}'; known: ${KEYS.join(', ')}`)
    }
  }
  return Object.freeze(next)
}
