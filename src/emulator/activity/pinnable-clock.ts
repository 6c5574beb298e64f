/**
 * The org clock, able to stand still for the length of one synchronous call: the live activity applies
 * a transaction at `t + commitLag` while stamping it `t` (its SystemModstamp), as a long Salesforce
 * transaction commits after the time it stamped on its rows.
 * @example clock.pinned(t, () => data.update('Account', id, { Name: 'x' }, ctx))
 */
import { EmulatorClock } from '../clock.ts'

export class PinnableClock extends EmulatorClock {
  #pinnedMs: number | undefined

  override now(): number {
    return this.#pinnedMs ?? super.now()
  }

  /** The emulated time, ignoring any pin (when a pinned write really becomes visible). */
  unpinnedNow(): number {
    return super.now()
  }

  /** True while `pinned` runs. */
  get isPinned(): boolean {
    return this.#pinnedMs !== undefined
  }

  /** Runs `fn` (synchronous) with `now()` fixed at `ms`. Pins do not nest. */
  pinned<T>(ms: number, fn: () => T): T {
    if (this.#pinnedMs !== undefined) throw new Error('the clock is already pinned')
    this.#pinnedMs = ms
    try {
      return fn()
    } finally {
      this.#pinnedMs = undefined
    }
  }
}
