import { describe, expect, it } from 'vitest'
import type { Item } from '@/api/ledger'
import { emptyFilters } from '@/utils/savedViews'
import { builtinFilters, clientSort, clientTotals, csvColumns, exportFilename, filtersToQuery, routeToState, stateToRoute } from './ledgerList'

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
    responsible_person_id: null,
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
    ...over,
  }
}

describe('filters and the route', () => {
  it('round-trip through the query string', () => {
    const filters = { ...emptyFilters(), q: '财政', status: ['open' as const, 'resolving' as const], overdue: true, no_update_weeks: 2, disputed: 'true' as const }
    const state = { filters, sort: 'due_date' as const, page: 3, pageSize: 50, view: 'saved:我的' }
    const query = stateToRoute(state)
    expect(query).toEqual({ q: '财政', status: ['open', 'resolving'], overdue: '1', weeks: '2', disputed: 'true', sort: 'due_date', page: '3', size: '50', view: 'saved:我的' })
    expect(routeToState(query as never)).toEqual(state)
  })

  it('ignore values they do not know', () => {
    const state = routeToState({ status: ['open', 'bogus'], sort: 'nope', page: '-1', size: '7', weeks: 'x' })
    expect(state.filters.status).toEqual(['open'])
    expect(state.sort).toBe('-created_at')
    expect(state.page).toBe(1)
    expect(state.pageSize).toBe(20)
    expect(state.filters.no_update_weeks).toBeNull()
  })

  it('become the API query without empty values', () => {
    expect(filtersToQuery(emptyFilters())).toEqual({
      unit_id: undefined,
      debtor_type: undefined,
      status: undefined,
      disputed: undefined,
      overdue: undefined,
      q: undefined,
      flag: undefined,
      no_update_weeks: undefined,
    })
    expect(filtersToQuery({ ...emptyFilters(), disputed: 'false', q: '  财政 ' })).toMatchObject({ disputed: false, q: '财政' })
  })

  it('give 我的待办 by role', () => {
    expect(builtinFilters('mine', { unit_id: 'u1' }, false)).toMatchObject({ unit_id: 'u1', status: ['open', 'resolving'] })
    expect(builtinFilters('mine', { unit_id: 'office' }, true)).toMatchObject({ unit_id: '', status: ['claimed_cleared'] })
    expect(builtinFilters('overdue', { unit_id: null }, false)).toMatchObject({ overdue: true })
  })
})

describe('client-side totals and sort (id-set views)', () => {
  const items = [
    item({ id: 'a', ledger_no: 'N3', outstanding: '0.10', principal: '0.10', due_date: '2026-03-01', created_at: '2026-01-03T00:00:00Z' }),
    item({ id: 'b', ledger_no: 'N1', outstanding: '0.20', principal: '0.30', verified_repaid: '0.10', due_date: null, created_at: '2026-01-01T00:00:00Z' }),
    item({ id: 'c', ledger_no: 'N2', outstanding: '999.99', principal: '999.99', status: 'void', due_date: '2026-01-01', created_at: '2026-01-02T00:00:00Z' }),
  ]

  it('count void items by status but never sum them, in exact fen', () => {
    expect(clientTotals(items)).toEqual({
      items: 2,
      principal: '0.40',
      verified_repaid: '0.10',
      adjustments_total: '0.00',
      outstanding: '0.30',
      by_status: { open: 2, void: 1 },
    })
  })

  it('sort like the server (missing due dates last)', () => {
    expect(clientSort(items, 'ledger_no').map((i) => i.id)).toEqual(['b', 'c', 'a'])
    expect(clientSort(items, '-outstanding').map((i) => i.id)).toEqual(['c', 'b', 'a'])
    expect(clientSort(items, 'due_date').map((i) => i.id)).toEqual(['c', 'a', 'b'])
    expect(clientSort(items, '-due_date').map((i) => i.id)).toEqual(['a', 'c', 'b'])
    expect(clientSort(items, '-created_at').map((i) => i.id)).toEqual(['a', 'c', 'b'])
  })
})

describe('CSV columns', () => {
  it('write amounts as plain decimals and labels in Chinese', () => {
    const columns = csvColumns({
      t: (key, values) => `${key}${values ? JSON.stringify(values) : ''}`,
      unitName: () => '海澄县财政局',
      flags: { a: [{ id: 'f', item_id: 'a', kind: 'commercial_bill', kind_label: '以商业承兑汇票支付', raised_at: '' }] },
      today: '2026-11-25',
      labels: { status: () => '待化解', debtorType: () => '政府机关', route: () => '诉讼' },
    })
    const row = item({ id: 'a', outstanding: '1234.50', due_date: '2026-11-20' })
    const values = columns.map((c) => c.value(row))
    expect(values).toContain('1234.50')
    expect(values).toContain('以商业承兑汇票支付')
    expect(values).toContain('deadline.overdue{"n":5}')
    expect(exportFilename('台账明细', { year: '2026', month: '11', day: '25', hour: '09', minute: '05' })).toBe('台账明细-20261125-0905.csv')
  })
})
