// The 台账 list's logic outside the component: filters ↔ API query ↔ route query, the built-in
// views, the views that are a set of items gathered from another list (本周未更新, 重点督办,
// 有预警: /items cannot filter by them yet), client-side totals and sort for those, and CSV rows.
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import {
  getItem,
  ITEM_STATUSES,
  listFlags,
  listKeyCases,
  mapLimited,
  missingWeeklyUpdates,
  type ActiveFlag,
  type Item,
  type ItemFilterQuery,
  type ItemSort,
  type ItemStatus,
  type Totals,
} from '@/api/ledger'
import type { CsvColumn } from '@/utils/csv'
import { deadlineState, itemSettled } from '@/utils/deadline'
import { compareMoney, fromFen, toFen } from '@/utils/money'
import { emptyFilters, type LedgerFilters } from '@/utils/savedViews'

export type BuiltinView = 'mine' | 'weekMissing' | 'overdue' | 'keyCases' | 'flagged'
export const BUILTIN_VIEWS: readonly BuiltinView[] = ['mine', 'weekMissing', 'overdue', 'keyCases', 'flagged']
/** Views whose items come from another list rather than from /items filters. */
export const ID_SET_VIEWS: readonly BuiltinView[] = ['weekMissing', 'keyCases', 'flagged']
/** At most this many items are loaded one by one for an id-set view. */
export const ID_SET_CAP = 300

export const SORTS: readonly ItemSort[] = ['created_at', '-created_at', 'outstanding', '-outstanding', 'due_date', '-due_date', 'ledger_no']

/** The filter set of a filter-based built-in view. */
export function builtinFilters(view: BuiltinView, me: { unit_id: string | null }, verifier: boolean): LedgerFilters {
  const f = emptyFilters()
  if (view === 'mine') {
    if (verifier) f.status = ['claimed_cleared']
    else {
      f.unit_id = me.unit_id ?? ''
      f.status = ['open', 'resolving']
    }
  } else if (view === 'overdue') {
    f.overdue = true
  }
  return f
}

/** Filters → the query of /items and /items/totals (empty values dropped later). */
export function filtersToQuery(f: LedgerFilters): ItemFilterQuery {
  return {
    unit_id: f.unit_id || undefined,
    debtor_type: (f.debtor_type || undefined) as ItemFilterQuery['debtor_type'],
    status: f.status.length ? f.status : undefined,
    disputed: f.disputed === '' ? undefined : f.disputed === 'true',
    overdue: f.overdue ? true : undefined,
    q: f.q.trim() || undefined,
    flag: (f.flag || undefined) as ItemFilterQuery['flag'],
    no_update_weeks: f.no_update_weeks || undefined,
  }
}

export interface ListState {
  filters: LedgerFilters
  sort: ItemSort
  page: number
  pageSize: number
  view: string
}

/** The list's state as a route query (so back from an item returns to the same list). */
export function stateToRoute(s: ListState): LocationQueryRaw {
  const f = s.filters
  const q: LocationQueryRaw = {}
  if (f.unit_id) q.unit = f.unit_id
  if (f.debtor_type) q.type = f.debtor_type
  if (f.status.length) q.status = [...f.status]
  if (f.disputed) q.disputed = f.disputed
  if (f.overdue) q.overdue = '1'
  if (f.flag) q.flag = f.flag
  if (f.no_update_weeks) q.weeks = String(f.no_update_weeks)
  if (f.q.trim()) q.q = f.q.trim()
  if (s.sort !== '-created_at') q.sort = s.sort
  if (s.page > 1) q.page = String(s.page)
  if (s.pageSize !== 20) q.size = String(s.pageSize)
  if (s.view) q.view = s.view
  return q
}

function one(value: LocationQuery[string] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value
  return typeof v === 'string' ? v : ''
}

export function routeToState(query: LocationQuery): ListState {
  const f = emptyFilters()
  f.unit_id = one(query.unit)
  f.debtor_type = one(query.type)
  const statuses = (Array.isArray(query.status) ? query.status : [query.status]).filter(
    (s): s is ItemStatus => typeof s === 'string' && (ITEM_STATUSES as readonly string[]).includes(s),
  )
  f.status = statuses
  const disputed = one(query.disputed)
  f.disputed = disputed === 'true' || disputed === 'false' ? disputed : ''
  f.overdue = one(query.overdue) === '1'
  f.flag = one(query.flag)
  const weeks = Number(one(query.weeks))
  f.no_update_weeks = Number.isInteger(weeks) && weeks > 0 ? weeks : null
  f.q = one(query.q)
  const sort = one(query.sort) as ItemSort
  const page = Number(one(query.page))
  const size = Number(one(query.size))
  return {
    filters: f,
    sort: SORTS.includes(sort) ? sort : '-created_at',
    page: Number.isInteger(page) && page > 0 ? page : 1,
    pageSize: [10, 20, 50, 100].includes(size) ? size : 20,
    view: one(query.view),
  }
}

// ---------------------------------------------------------------- id-set views

/** Item ids of an id-set view, in the order of the source list (duplicates dropped). */
export async function idSetOf(view: BuiltinView): Promise<string[]> {
  const ids: string[] = []
  if (view === 'weekMissing') {
    const report = await missingWeeklyUpdates()
    for (const unit of report.units) for (const m of unit.missing_items) ids.push(m.item_id)
  } else if (view === 'keyCases') {
    for (let page = 1; page <= 5; page++) {
      const rows = await listKeyCases({ open_only: true, page, page_size: 200 })
      ids.push(...rows.items.map((r) => r.item_id))
      if (page * 200 >= rows.total) break
    }
  } else if (view === 'flagged') {
    for (let page = 1; page <= 5; page++) {
      const rows = await listFlags({ active: true, page, page_size: 200 })
      ids.push(...rows.items.map((r) => r.item_id))
      if (page * 200 >= rows.total) break
    }
  }
  return [...new Set(ids)]
}

/** Loads the items of an id set one by one (at most ID_SET_CAP); items gone or out of scope are skipped. */
export async function loadItems(ids: readonly string[]): Promise<Item[]> {
  const items = await mapLimited(ids.slice(0, ID_SET_CAP), 6, (id) => getItem(id).catch(() => null))
  return items.filter((i): i is NonNullable<typeof i> => i !== null)
}

/** Totals like /items/totals computes them: void items counted in by_status, never summed. */
export function clientTotals(items: readonly Item[]): Totals {
  const sums = [0n, 0n, 0n, 0n]
  const byStatus: Record<string, number> = {}
  let count = 0
  for (const item of items) {
    byStatus[item.status] = (byStatus[item.status] ?? 0) + 1
    if (item.status === 'void') continue
    count++
    sums[0]! += toFen(item.principal)
    sums[1]! += toFen(item.verified_repaid)
    sums[2]! += toFen(item.adjustments_total)
    sums[3]! += toFen(item.outstanding)
  }
  return {
    items: count,
    principal: fromFen(sums[0]!),
    verified_repaid: fromFen(sums[1]!),
    adjustments_total: fromFen(sums[2]!),
    outstanding: fromFen(sums[3]!),
    by_status: byStatus,
  }
}

/** Sorts like the server does (due dates: missing ones last). */
export function clientSort(items: readonly Item[], sort: ItemSort): Item[] {
  const desc = sort.startsWith('-')
  const key = sort.replace(/^-/, '')
  const cmp = (a: Item, b: Item): number => {
    if (key === 'outstanding') return compareMoney(a.outstanding, b.outstanding)
    if (key === 'ledger_no') return a.ledger_no.localeCompare(b.ledger_no)
    if (key === 'due_date') {
      if (!a.due_date || !b.due_date) return 0
      return a.due_date.localeCompare(b.due_date)
    }
    return a.created_at.localeCompare(b.created_at)
  }
  return [...items].sort((a, b) => {
    if (key === 'due_date' && (!a.due_date || !b.due_date)) return (a.due_date ? 0 : 1) - (b.due_date ? 0 : 1)
    return desc ? cmp(b, a) : cmp(a, b)
  })
}

// ---------------------------------------------------------------- CSV

export interface CsvContext {
  t: (key: string, values?: Record<string, unknown>) => string
  unitName: (id: string) => string
  flags: Record<string, ActiveFlag[]>
  today: string
  labels: {
    status: (s: string) => string
    debtorType: (s: string | null | undefined) => string
    route: (s: string | null | undefined) => string
  }
}

/** The columns of the table, amounts as plain decimals (so the spreadsheet can add them up). */
export function csvColumns(c: CsvContext): CsvColumn<Item>[] {
  const { t } = c
  return [
    { header: t('ledger.list.columns.ledgerNo'), value: (r) => r.ledger_no },
    { header: t('ledger.party.debtor'), value: (r) => r.debtor_name },
    { header: t('ledger.export.columns.debtorType'), value: (r) => c.labels.debtorType(r.debtor_type) },
    { header: t('ledger.list.columns.creditor'), value: (r) => r.creditor_name },
    { header: t('ledger.list.columns.contract'), value: (r) => r.contract_name },
    { header: t('ledger.export.columns.principal'), value: (r) => r.principal },
    { header: t('ledger.export.columns.verifiedRepaid'), value: (r) => r.verified_repaid },
    { header: t('ledger.export.columns.outstanding'), value: (r) => r.outstanding },
    { header: t('ledger.export.columns.dueDate'), value: (r) => r.due_date ?? '' },
    {
      header: t('ledger.export.columns.deadline'),
      value: (r) => {
        const s = deadlineState(r.due_date, c.today, itemSettled(r.status))
        return s.kind === 'none' || s.kind === 'settled' ? '' : t(`deadline.${s.kind}`, { n: s.days })
      },
    },
    { header: t('ledger.list.columns.unit'), value: (r) => c.unitName(r.responsible_unit_id) },
    { header: t('ledger.list.columns.status'), value: (r) => c.labels.status(r.status) },
    {
      header: t('ledger.list.columns.disputed'),
      value: (r) =>
        r.disputed ? `${t('ledger.disputed')}${r.dispute_route ? `（${c.labels.route(r.dispute_route)}）` : ''}` : t('ledger.undisputed'),
    },
    { header: t('ledger.list.columns.flags'), value: (r) => (c.flags[r.id] ?? []).map((f) => f.kind_label).join('；') },
  ]
}

/** '台账明细-20261125-1530.csv' (Beijing time). */
export function exportFilename(base: string, parts: { year: string; month: string; day: string; hour: string; minute: string }): string {
  return `${base}-${parts.year}${parts.month}${parts.day}-${parts.hour}${parts.minute}.csv`
}
