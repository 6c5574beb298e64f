/**
 * Unit tests of the engine's pure parts: lifecycle tables (with random event sequences), planning,
 * the URI split, the API budget, checkpoint dates.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  OBJECT_TRANSITIONS,
  RUN_TRANSITIONS,
  StateMachine,
  LifecycleError,
  type ObjectEvent,
  type ObjectState,
} from './sync-lifecycle.ts'
import { planObject, selectObjects } from './sync-plan.ts'
import { selectSoql, splitForUri } from './soql.ts'
import { ApiBudget } from './api-budget.ts'
import { datetimeMs } from './object-checkpoint.ts'
import { rng } from '../../test/support/sync/org-activity.ts'
import type { FieldDescribe, SObjectDescribe } from '../salesforce/data/describe-client.ts'

const FINAL: readonly ObjectState[] = ['synced', 'skipped', 'failed']

describe('lifecycles', () => {
  test('every cell of both tables is decided and names a known state', () => {
    const objectStates = Object.keys(OBJECT_TRANSITIONS)
    for (const [state, row] of Object.entries(OBJECT_TRANSITIONS)) {
      assert.equal(Object.keys(row).length, 10, state)
      for (const next of Object.values(row))
        assert.ok(next === 'ignore' || next === 'invalid' || objectStates.includes(next))
    }
    const runStates = Object.keys(RUN_TRANSITIONS)
    for (const row of Object.values(RUN_TRANSITIONS))
      for (const next of Object.values(row))
        assert.ok(next === 'ignore' || next === 'invalid' || runStates.includes(next))
  })

  test('random event sequences: final states absorb, `error` always ends in failed, invalid events throw', () => {
    const events = Object.keys(OBJECT_TRANSITIONS.pending) as ObjectEvent[]
    const random = rng(5)
    for (let run = 0; run < 2000; run++) {
      const m = new StateMachine<ObjectState, ObjectEvent>('object', OBJECT_TRANSITIONS, 'pending')
      for (let step = 0; step < 12; step++) {
        const e = events[Math.floor(random() * events.length)] as ObjectEvent
        const before = m.state
        const cell = OBJECT_TRANSITIONS[before][e]
        if (cell === 'invalid') {
          assert.throws(() => m.send(e), LifecycleError)
          continue
        }
        m.send(e)
        if (FINAL.includes(before)) assert.equal(m.state, before, `${before} absorbs ${e}`)
        if (e === 'error' && !FINAL.includes(before)) assert.equal(m.state, 'failed')
      }
    }
  })

  test('the paths the engine takes (load; resume; incremental) reach synced; a crash restarts from pending', () => {
    const paths: ObjectEvent[][] = [
      ['start', 'needs-load', 'loaded'],
      ['start', 'needs-changes', 'backfilled', 'changes-applied', 'deletes-applied', 'formulas-refreshed'],
    ]
    for (const p of paths) {
      const m = new StateMachine<ObjectState, ObjectEvent>('object', OBJECT_TRANSITIONS, 'pending')
      for (const e of p) m.send(e)
      assert.equal(m.state, 'synced')
    }
    const run = new StateMachine('run', RUN_TRANSITIONS, 'pending')
    for (const e of ['start', 'planned', 'limit-low', 'limit-ok', 'finished'] as const) run.send(e)
    assert.equal(run.state, 'done')
  })
})

function field(name: string, type: string, extra: Partial<FieldDescribe> = {}): FieldDescribe {
  return { name, type, length: 0, ...extra }
}

const ACCOUNT: SObjectDescribe = {
  name: 'Account',
  queryable: true,
  replicateable: true,
  fields: [
    field('Name', 'string'),
    field('Id', 'id'),
    field('IsDeleted', 'boolean'),
    field('BillingStreet', 'textarea', { compoundFieldName: 'BillingAddress' }),
    field('BillingAddress', 'address'),
    field('LastModifiedDate', 'datetime'),
    field('SystemModstamp', 'datetime'),
    field('Score__c', 'double', { calculated: true }),
  ],
}

describe('planning', () => {
  test('compound fields are never selected, their components are; Id first; SystemModstamp preferred; formulas found', () => {
    const plan = planObject(ACCOUNT)
    assert.deepEqual(
      plan.fields.map((f) => f.name),
      ['Id', 'Name', 'IsDeleted', 'BillingStreet', 'LastModifiedDate', 'SystemModstamp', 'Score__c'],
    )
    assert.equal(plan.cursorField, 'SystemModstamp')
    assert.deepEqual(plan.formulaFields, ['Score__c'])
    assert.deepEqual(plan.bulk, { allowed: true })
  })

  test('cursor falls back to LastModifiedDate, CreatedDate, then none (full refresh)', () => {
    const without = (names: string[]) => ({
      ...ACCOUNT,
      fields: ACCOUNT.fields.filter((f) => !names.includes(f.name)),
    })
    assert.equal(planObject(without(['SystemModstamp'])).cursorField, 'LastModifiedDate')
    assert.equal(planObject(without(['SystemModstamp', 'LastModifiedDate'])).cursorField, undefined)
    assert.equal(
      planObject({
        ...without(['SystemModstamp', 'LastModifiedDate']),
        fields: [...without(['SystemModstamp', 'LastModifiedDate']).fields, field('CreatedDate', 'datetime')],
      }).cursorField,
      'CreatedDate',
    )
  })

  test('Bulk is refused for deny-listed objects and base64 fields; field selection adds Id, IsDeleted and the cursor', () => {
    assert.equal(planObject({ ...ACCOUNT, name: 'Attachment' }).bulk.allowed, false)
    assert.equal(
      planObject({ ...ACCOUNT, fields: [...ACCOUNT.fields, field('Body', 'base64')] }).bulk.allowed,
      false,
    )
    const picked = planObject(ACCOUNT, ['name'])
    assert.deepEqual(
      picked.fields.map((f) => f.name),
      ['Id', 'IsDeleted', 'SystemModstamp', 'Name'],
    )
    assert.throws(() => planObject(ACCOUNT, ['Nope__c']), /no field "Nope__c"/)
  })

  test('object selection: case-insensitive names, unknown names refused, --all skips change events and restricted objects', () => {
    const global = [
      { name: 'Account', queryable: true, replicateable: true },
      { name: 'AccountChangeEvent', queryable: true, replicateable: true },
      { name: 'Vote', queryable: true, replicateable: true },
      { name: 'Secret', queryable: false, replicateable: false },
    ]
    assert.deepEqual(selectObjects(global, { all: true }).objects, ['Account'])
    assert.deepEqual(selectObjects(global, { objects: ['account'] }).objects, ['Account'])
    assert.deepEqual(
      selectObjects(global, { objects: ['Account', 'Secret'] }).refused.map((r) => r.object),
      ['Secret'],
    )
    assert.throws(() => selectObjects(global, { objects: ['Nope'] }), /no object named "Nope"/)
    assert.throws(() => selectObjects(global, {}), /--all/)
  })
})

describe('URI split of wide objects', () => {
  test('every group fits the budget, starts with the tie fields, and together they hold every field once', () => {
    const fields = [
      'Id',
      'SystemModstamp',
      ...Array.from({ length: 600 }, (_, i) => `Custom_Field_Number_${i}__c`),
    ]
    const where = 'SystemModstamp >= 2024-01-01T00:00:00.000Z'
    const groups = splitForUri('Wide__c', fields, where, {
      pathPrefixBytes: 100,
      always: ['Id', 'SystemModstamp'],
      budgetBytes: 4000,
    })
    assert.ok(groups.length > 3)
    for (const g of groups) {
      assert.deepEqual(g.slice(0, 2), ['Id', 'SystemModstamp'])
      assert.ok(encodeURIComponent(selectSoql('Wide__c', g, where)).length <= 3900)
    }
    assert.deepEqual(new Set(groups.flatMap((g) => g.slice(2))), new Set(fields.slice(2)))
    assert.equal(groups.flatMap((g) => g.slice(2)).length, fields.length - 2)
  })
})

describe('API budget', () => {
  test('pauses at the run cap and at the org cap, polls /limits, and resumes once calls came back', async () => {
    const sleeps: number[] = []
    const readings = [
      { used: 950, limit: 1000 },
      { used: 400, limit: 1000 },
    ]
    const messages: string[] = []
    let resumed = 0
    const budget = new ApiBudget(async () => readings.shift() ?? { used: 0, limit: 1000 }, {
      runShare: 0.01,
      pollMs: 5,
      sleep: async (ms) => {
        sleeps.push(ms)
      },
      onPause: (m) => messages.push(m),
      onResume: () => resumed++,
    })
    budget.observe({ used: 0, limit: 1000 })
    assert.equal(budget.state.runCap, 10)
    for (let i = 0; i < 10; i++) await budget.beforeCall()
    assert.equal(budget.pauses, 0)
    budget.observe({ used: 960, limit: 1000 })
    await budget.beforeCall()
    assert.equal(budget.pauses, 1)
    assert.equal(resumed, 1)
    assert.match(messages[0] ?? '', /90%/)
    // Resumed after the reading went under the org cap: a new window of 1% of the 600 left.
    assert.equal(budget.state.runCap, 6)
    assert.deepEqual(sleeps, [5, 5])
  })
})

test('Salesforce datetimes of both encodings read the same', () => {
  assert.equal(datetimeMs('2024-01-02T03:04:05.678Z'), datetimeMs('2024-01-02T03:04:05.678+0000'))
  assert.equal(datetimeMs('2024-01-02T03:04:05.678+0100'), Date.parse('2024-01-02T02:04:05.678Z'))
})
