import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RowidSet } from './rowid-set.ts'

function expand(w: ReturnType<RowidSet['window']>): number[] {
  if (w.kind === 'list') return Array.from(w.ids)
  return Array.from({ length: w.last - w.first + 1 }, (_, i) => w.first + i)
}

test('every window of a RowidSet equals the same slice of its rowids, in runs or plain form', () => {
  let seed = 42
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
    return seed % n
  }
  const shapes: number[][] = [
    [],
    [7],
    Array.from({ length: 5000 }, (_, i) => i + 1),
    Array.from({ length: 3000 }, (_, i) => 3000 - i),
  ]
  for (let k = 0; k < 20; k++) {
    // Long runs with gaps (a filtered natural order), or shuffled ids (an ORDER BY).
    const ids: number[] = []
    let next = 1 + rnd(10)
    while (ids.length < 2000) {
      const run = k % 2 ? 1 + rnd(400) : 1
      for (let i = 0; i < run; i++) ids.push(next++)
      next += 1 + rnd(5)
    }
    if (k % 4 === 3) ids.sort(() => rnd(3) - 1)
    shapes.push(ids)
  }
  for (const ids of shapes) {
    const set = new RowidSet(ids)
    assert.equal(set.length, ids.length)
    for (let t = 0; t < 50 && ids.length > 0; t++) {
      const start = rnd(ids.length)
      const end = start + 1 + rnd(Math.min(2500, ids.length - start))
      assert.deepEqual(expand(set.window(start, end)), ids.slice(start, end))
    }
  }
  assert.deepEqual(new RowidSet(shapes[2] as number[]).window(0, 5000), {
    kind: 'range',
    first: 1,
    last: 5000,
  })
})
