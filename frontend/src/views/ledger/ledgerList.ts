// The 台账 list's logic outside the component: filters ↔ API query ↔ route query, the built-in
// views (each a set of server filters, so they hold across every page, not just the loaded one),
// and the 周进展 column.
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import { type Item, type ItemFilterQuery, type ItemSort, type ItemStatus } from '@/api/ledger'
import { ITEM_STATUSES } from '@/composables/useLedgerLabels'
import { daysBetween, isoWeek, isoWeekStart, todayInBeijing } from '@/utils/deadline'
import { emptyFilters, type LedgerFilters } from '@/utils/savedViews'

export type BuiltinView = 'mine' | 'todo' | 'weekMissing' | 'overdue' | 'flagged' | 'keyCases'
export const BUILTIN_VIEWS: readonly BuiltinView[] = ['mine', 'todo', 'weekMissing', 'overdue', 'flagged', 'keyCases']

/** The flag filter's value for "any red flag in effect" (sent as `flagged=true`). */
export const ANY_FLAG = '*'

export const SORTS: readonly ItemSort[] = ['created_at', '-created_at', 'outstanding', '-outstanding', 'due_date', '-due_date', 'ledger_no']

/** Statuses that need a weekly update (待化解, 化解中). */
const WEEKLY_STATUSES: readonly string[] = ['open', 'resolving']

/**
 * The filters of a built-in view:
 * - 我负责的: `mine` (responsible person is the caller), still to be resolved;
 * - 我的待办: the unit's items still to be resolved, or, for the office, those waiting for write-off;
 * - 上周未更新: `no_update_weeks=1` (the current week is still open for its update);
 * - 逾期未清偿: `overdue`; 有预警: `flagged`; 重点督办: `key_case`.
 */
export function builtinFilters(view: BuiltinView, me: { unit_id: string | null }, verifier: boolean): LedgerFilters {
  const f = emptyFilters()
  if (view === 'mine') {
    f.mine = true
    f.status = ['open', 'resolving']
  } else if (view === 'todo') {
    if (verifier) f.status = ['claimed_cleared']
    else {
      f.unit_id = me.unit_id ?? ''
      f.status = ['open', 'resolving']
    }
  } else if (view === 'weekMissing') {
    f.no_update_weeks = 1
  } else if (view === 'overdue') {
    f.overdue = true
  } else if (view === 'flagged') {
    f.flag = ANY_FLAG
  } else if (view === 'keyCases') {
    f.key_case = 'true'
  }
  return f
}

/** The built-in view whose filters these are, if any (so a URL or a reload shows its name). */
export function builtinOf(f: LedgerFilters, me: { unit_id: string | null }, verifier: boolean): BuiltinView | null {
  const key = JSON.stringify(filtersToQuery(f))
  return BUILTIN_VIEWS.find((v) => JSON.stringify(filtersToQuery(builtinFilters(v, me, verifier))) === key) ?? null
}

/** Filters → the query of /items and /items/totals (empty values dropped later). */
export function filtersToQuery(f: LedgerFilters): ItemFilterQuery {
  return {
    unit_id: f.unit_id || undefined,
    debtor_type: (f.debtor_type || undefined) as ItemFilterQuery['debtor_type'],
    status: f.status.length ? [...f.status] : undefined,
    disputed: f.disputed === '' ? undefined : f.disputed === 'true',
    overdue: f.overdue ? true : undefined,
    mine: f.mine ? true : undefined,
    key_case: f.key_case === '' ? undefined : f.key_case === 'true',
    responsible_person_id: f.responsible_person_id || undefined,
    q: f.q.trim() || undefined,
    flag: (f.flag && f.flag !== ANY_FLAG ? f.flag : undefined) as ItemFilterQuery['flag'],
    flagged: f.flag === ANY_FLAG ? true : undefined,
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
  if (f.mine) q.mine = '1'
  if (f.key_case) q.key = f.key_case
  if (f.responsible_person_id) q.person = f.responsible_person_id
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

function trinary(value: string): '' | 'true' | 'false' {
  return value === 'true' || value === 'false' ? value : ''
}

export function routeToState(query: LocationQuery): ListState {
  const f = emptyFilters()
  f.unit_id = one(query.unit)
  f.debtor_type = one(query.type)
  const statuses = (Array.isArray(query.status) ? query.status : [query.status]).filter(
    (s): s is ItemStatus => typeof s === 'string' && (ITEM_STATUSES as readonly string[]).includes(s),
  )
  f.status = statuses
  f.disputed = trinary(one(query.disputed))
  f.overdue = one(query.overdue) === '1'
  f.mine = one(query.mine) === '1'
  f.key_case = trinary(one(query.key))
  f.responsible_person_id = one(query.person)
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

// ---------------------------------------------------------------- 周进展

export type UpdateState =
  /** Not open or resolving: no update is asked for. */
  | { kind: 'notRequired'; week: string | null }
  /** Updated this week. */
  | { kind: 'thisWeek'; week: string }
  /** Last week updated; this week's update is still open. */
  | { kind: 'due'; week: string | null }
  /**
   * `weeks` complete ISO weeks without an update (1 = last week was missed); `week` null: never
   * updated, counted from the week the item was entered, as the server counts it.
   */
  | { kind: 'missing'; week: string | null; weeks: number }

/**
 * The 周进展 cell of a row: the ISO week of the latest update (`last_update_week`, its Monday)
 * and how many complete weeks have gone by without one, counted as the server counts them for
 * `no_update_weeks` and the no_weekly_update flag: the current week is still open for its
 * update; before the first update, the reference is the week the item was entered.
 */
export function updateState(row: Pick<Item, 'last_update_week' | 'status' | 'created_at'>, today: string): UpdateState {
  const last = row.last_update_week ?? null
  const week = last ? isoWeek(last) : null
  if (!WEEKLY_STATUSES.includes(row.status)) return { kind: 'notRequired', week }
  const reference = last ?? isoWeekStart(isoWeek(todayInBeijing(new Date(row.created_at))))!
  const thisMonday = isoWeekStart(isoWeek(today))!
  const weeks = Math.floor(daysBetween(reference, thisMonday) / 7) - 1
  if (weeks < 0) return last ? { kind: 'thisWeek', week: week! } : { kind: 'due', week: null }
  if (weeks === 0) return { kind: 'due', week }
  return { kind: 'missing', week, weeks }
}

/** Complete weeks without update, as a number for the spreadsheet ('' when not applicable). */
export function weeksMissing(state: UpdateState): number | '' {
  return state.kind === 'missing' ? state.weeks : ''
}
