/**
 * A small, fast, seeded PRNG (sfc32, public domain) for the data generator: millions of draws per
 * second without crypto, the same sequence for the same seed on every platform.
 */
import { createHash } from 'node:crypto'

/** sfc32 seeded from sha256(seed, stream). @example new Prng('seed', 'Account').int(1, 6) */
export class Prng {
  #a: number
  #b: number
  #c: number
  #d: number

  /** Seeds from `seed` and `stream` (e.g. the sObject name), so each object draws its own sequence. */
  constructor(seed: string, stream: string) {
    const h = createHash('sha256').update(`${seed}\0${stream}`).digest()
    this.#a = h.readUInt32LE(0)
    this.#b = h.readUInt32LE(4)
    this.#c = h.readUInt32LE(8)
    this.#d = h.readUInt32LE(12) | 1
    for (let i = 0; i < 12; i++) this.nextU32()
  }

  nextU32(): number {
    const a = this.#a
    const b = this.#b
    const c = this.#c
    const d = this.#d
    const t = (((a + b) | 0) + d) | 0
    this.#d = (d + 1) | 0
    this.#a = b ^ (b >>> 9)
    this.#b = (c + (c << 3)) | 0
    const r = (c << 21) | (c >>> 11)
    this.#c = (r + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)]
    if (item === undefined) throw new Error('pick from an empty list')
    return item
  }
}
