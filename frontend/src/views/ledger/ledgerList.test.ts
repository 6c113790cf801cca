import { describe, expect, it } from 'vitest'
import type { Item } from '@/api/ledger'
import { emptyFilters } from '@/utils/savedViews'
import {
  BUILTIN_VIEWS,
  builtinFilters,
  builtinOf,
  filtersToQuery,
  routeToState,
  stateToRoute,
  updateState,
  weeksMissing,
} from './ledgerList'

function item(over: Partial<Item>): Item {
  return {
    id: 'i',
    ledger_no: '990121-2026-000001',
    region_path: '/99/',
    debtor_id: 'd',
    debtor_name: '海澄县财政局',
    debtor_type: 'government_agency',
    creditor_id: 'c',
    creditor_name: '某某公司',
    contract_name: '合同',
    procurement_type: 'goods',
    principal: '100.00',
    verified_repaid: '0.00',
    adjustments_total: '0.00',
    outstanding: '100.00',
    delivery_date: null,
    acceptance_date: null,
    due_date: null,
    agreed_daily_rate: null,
    responsible_unit_id: 'u',
    responsible_unit_name: '海澄县财政局',
    responsible_person_id: null,
    responsible_person_name: null,
    disputed: false,
    dispute_route: null,
    court_case_no: null,
    resolution_measures: null,
    planned_clearance_date: null,
    status: 'open',
    void_reason: null,
    source: 'manual',
    written_off_at: null,
    created_at: '2026-11-01T00:00:00Z',
    updated_at: '2026-11-01T00:00:00Z',
    version: 1,
    active_flags: [],
    last_update_week: null,
    key_case: false,
    ...over,
  }
}

describe('filters and the route', () => {
  it('round-trip through the query string', () => {
    const filters = {
      ...emptyFilters(),
      q: '财政',
      status: ['open' as const, 'resolving' as const],
      overdue: true,
      mine: true,
      key_case: 'false' as const,
      no_update_weeks: 2,
      disputed: 'true' as const,
      unit_id: 'u1',
      responsible_person_id: 'p1',
    }
    const state = { filters, sort: 'due_date' as const, page: 3, pageSize: 50, view: 'saved:我的' }
    const query = stateToRoute(state)
    expect(query).toEqual({
      q: '财政',
      status: ['open', 'resolving'],
      overdue: '1',
      mine: '1',
      key: 'false',
      unit: 'u1',
      person: 'p1',
      weeks: '2',
      disputed: 'true',
      sort: 'due_date',
      page: '3',
      size: '50',
      view: 'saved:我的',
    })
    expect(routeToState(query as never)).toEqual(state)
  })

  it('ignore values they do not know', () => {
    const state = routeToState({ status: ['open', 'bogus'], sort: 'nope', page: '-1', size: '7', weeks: 'x', key: 'maybe', mine: 'yes' })
    expect(state.filters.status).toEqual(['open'])
    expect(state.sort).toBe('-created_at')
    expect(state.page).toBe(1)
    expect(state.pageSize).toBe(20)
    expect(state.filters.no_update_weeks).toBeNull()
    expect(state.filters.key_case).toBe('')
    expect(state.filters.mine).toBe(false)
  })

  it('become the API query without empty values', () => {
    expect(Object.values(filtersToQuery(emptyFilters())).every((v) => v === undefined)).toBe(true)
    expect(filtersToQuery({ ...emptyFilters(), disputed: 'false', q: '  财政 ' })).toMatchObject({ disputed: false, q: '财政' })
    expect(filtersToQuery({ ...emptyFilters(), mine: true, key_case: 'true' })).toMatchObject({ mine: true, key_case: true })
    expect(filtersToQuery({ ...emptyFilters(), key_case: 'false' })).toMatchObject({ key_case: false, mine: undefined })
    expect(filtersToQuery({ ...emptyFilters(), unit_id: 'u1', responsible_person_id: 'p1' })).toMatchObject({
      unit_id: 'u1',
      responsible_person_id: 'p1',
    })
    expect(filtersToQuery(emptyFilters()).responsible_person_id).toBeUndefined()
  })
})

describe('built-in views are server filters', () => {
  const me = { unit_id: 'u1' }

  it('我负责的, 上周未更新, 重点督办, 逾期 map to mine, no_update_weeks, key_case, overdue', () => {
    expect(filtersToQuery(builtinFilters('mine', me, false))).toMatchObject({ mine: true, status: ['open', 'resolving'] })
    expect(filtersToQuery(builtinFilters('weekMissing', me, false))).toMatchObject({ no_update_weeks: 1 })
    expect(filtersToQuery(builtinFilters('keyCases', me, true))).toMatchObject({ key_case: true })
    expect(filtersToQuery(builtinFilters('overdue', me, false))).toMatchObject({ overdue: true })
  })

  it('有预警 is any flag in effect: flagged=true, never a flag kind', () => {
    const q = filtersToQuery(builtinFilters('flagged', me, false))
    expect(q).toMatchObject({ flagged: true })
    expect(q.flag).toBeUndefined()
    expect(filtersToQuery({ ...emptyFilters(), flag: 'commercial_bill' })).toMatchObject({ flag: 'commercial_bill', flagged: undefined })
  })

  it('我的待办 by role', () => {
    expect(builtinFilters('todo', me, false)).toMatchObject({ unit_id: 'u1', status: ['open', 'resolving'] })
    expect(builtinFilters('todo', { unit_id: 'office' }, true)).toMatchObject({ unit_id: '', status: ['claimed_cleared'] })
  })

  it('are told apart by their filters', () => {
    for (const v of BUILTIN_VIEWS) expect(builtinOf(builtinFilters(v, me, false), me, false)).toBe(v)
    expect(builtinOf({ ...builtinFilters('keyCases', me, false), q: 'x' }, me, false)).toBeNull()
  })
})

describe('周进展 column', () => {
  // 2026-11-25 is a Wednesday of ISO week 2026-W48 (Monday 2026-11-23).
  const today = '2026-11-25'

  it('reads the week of the latest update and the complete weeks since, like the server', () => {
    expect(updateState(item({ last_update_week: '2026-11-23' }), today)).toEqual({ kind: 'thisWeek', week: '2026-W48' })
    expect(updateState(item({ last_update_week: '2026-11-16' }), today)).toEqual({ kind: 'due', week: '2026-W47' })
    expect(updateState(item({ last_update_week: '2026-11-09' }), today)).toEqual({ kind: 'missing', week: '2026-W46', weeks: 1 })
    expect(updateState(item({ last_update_week: '2026-10-26' }), today)).toEqual({ kind: 'missing', week: '2026-W44', weeks: 3 })
  })

  it('counts from the week the item was entered before the first update (Beijing dates)', () => {
    // entered Monday 2026-11-16 00:30 Beijing time = Sunday 16:30 UTC: week W47, a grace week
    expect(updateState(item({ created_at: '2026-11-15T16:30:00Z' }), today)).toEqual({ kind: 'due', week: null })
    expect(updateState(item({ created_at: '2026-11-02T02:00:00Z' }), today)).toEqual({ kind: 'missing', week: null, weeks: 2 })
    expect(updateState(item({ created_at: '2026-11-24T02:00:00Z' }), today)).toEqual({ kind: 'due', week: null })
  })

  it('asks nothing of closed items', () => {
    const s = updateState(item({ status: 'written_off', last_update_week: '2026-10-26' }), today)
    expect(s).toEqual({ kind: 'notRequired', week: '2026-W44' })
    expect(weeksMissing(s)).toBe('')
  })
})
