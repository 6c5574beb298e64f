/**
 * The `_rowid`s a query matched, in result order, held compactly: as runs of consecutive rowids when
 * the result is mostly runs (the natural order of a lightly filtered table: a 1M-row result is a few
 * numbers), else as a Float64Array (8 bytes a row).
 */

/** A window of the result: one run of consecutive rowids, or the rowids themselves. */
export type RowidWindow =
  | { readonly kind: 'range'; readonly first: number; readonly last: number }
  | { readonly kind: 'list'; readonly ids: Float64Array }

/** A query's matching rowids in result order; see the file comment. */
export class RowidSet {
  readonly length: number
  /** Plain form, when the result is not mostly runs. */
  readonly #ids: Float64Array | undefined
  /** Run form: run i covers rowids runStart[i] .. runStart[i] + (offsets[i+1] - offsets[i]) - 1. */
  readonly #runStart: Float64Array | undefined
  /** Result offset where each run begins, plus the total at the end. */
  readonly #offsets: Float64Array | undefined

  constructor(ids: readonly number[]) {
    this.length = ids.length
    let runs = ids.length > 0 ? 1 : 0
    for (let i = 1; i < ids.length; i++) if ((ids[i] as number) !== (ids[i - 1] as number) + 1) runs++
    if (runs * 4 > ids.length) {
      this.#ids = Float64Array.from(ids)
      return
    }
    this.#runStart = new Float64Array(runs)
    this.#offsets = new Float64Array(runs + 1)
    let r = -1
    for (let i = 0; i < ids.length; i++) {
      if (i === 0 || (ids[i] as number) !== (ids[i - 1] as number) + 1) {
        r++
        this.#runStart[r] = ids[i] as number
        this.#offsets[r] = i
      }
    }
    this.#offsets[runs] = ids.length
  }

  /** Rowids of results `[start, end)` (within bounds). */
  window(start: number, end: number): RowidWindow {
    if (this.#ids) {
      const ids = this.#ids.subarray(start, end)
      const first = ids[0] as number
      const last = ids[ids.length - 1] as number
      if (last - first === ids.length - 1 && ascending(ids)) return { kind: 'range', first, last }
      return { kind: 'list', ids }
    }
    const runStart = this.#runStart as Float64Array
    const offsets = this.#offsets as Float64Array
    let r = runOf(offsets, start)
    const inRun = (o: number) => (runStart[r] as number) + (o - (offsets[r] as number))
    if (end <= (offsets[r + 1] as number)) return { kind: 'range', first: inRun(start), last: inRun(end - 1) }
    const ids = new Float64Array(end - start)
    for (let o = start; o < end; o++) {
      while (o >= (offsets[r + 1] as number)) r++
      ids[o - start] = inRun(o)
    }
    return { kind: 'list', ids }
  }
}

/** The run holding result offset `o` (binary search over run offsets). */
function runOf(offsets: Float64Array, o: number): number {
  let lo = 0
  let hi = offsets.length - 2
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if ((offsets[mid] as number) <= o) lo = mid
    else hi = mid - 1
  }
  return lo
}

function ascending(ids: Float64Array): boolean {
  for (let i = 1; i < ids.length; i++) if ((ids[i] as number) <= (ids[i - 1] as number)) return false
  return true
}
