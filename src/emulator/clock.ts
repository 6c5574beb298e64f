/**
 * The emulator's clock: real time plus an offset that the control API can move forward (never back),
 * so that tests can expire sessions, device codes and Bulk results without waiting.
 */
export class EmulatorClock {
  #offsetMs = 0
  readonly #real: () => number

  constructor(real: () => number = Date.now) {
    this.#real = real
  }

  /** Milliseconds since the epoch, in emulated time. */
  now(): number {
    return this.#real() + this.#offsetMs
  }

  /** Moves emulated time forward by `ms` (negative values are refused). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward')
    this.#offsetMs += ms
  }

  get offsetMs(): number {
    return this.#offsetMs
  }
}

/** Salesforce's REST datetime format: `2013-05-20T20:49:32.000+0000`. */
export function formatSfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000')
}
