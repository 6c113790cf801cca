// 台账 saved views: a named filter set (and sort) a clerk reuses. Kept in this browser's
// localStorage, one list per login name (not on the server: another computer does not see them).
import type { ItemSort, ItemStatus } from '@/api/ledger'

export interface LedgerFilters {
  unit_id: string
  debtor_type: string
  status: ItemStatus[]
  /** '' any, 'true' disputed, 'false' undisputed */
  disputed: '' | 'true' | 'false'
  overdue: boolean
  /** Only items whose responsible person is the caller (我负责的). */
  mine: boolean
  /** '' any, 'true' under 重点督办, 'false' not */
  key_case: '' | 'true' | 'false'
  /** 责任人 (within the chosen 责任单位). */
  responsible_person_id: string
  flag: string
  no_update_weeks: number | null
  q: string
}

export interface SavedView {
  name: string
  filters: LedgerFilters
  sort: ItemSort
}

export function emptyFilters(): LedgerFilters {
  return {
    unit_id: '',
    debtor_type: '',
    status: [],
    disputed: '',
    overdue: false,
    mine: false,
    key_case: '',
    responsible_person_id: '',
    flag: '',
    no_update_weeks: null,
    q: '',
  }
}

const PREFIX = 'qq.ledger.views.'

export function storageKey(username: string): string {
  return `${PREFIX}${username}`
}

/** Keeps only well-formed views (a stored list may come from an older version of the page). */
function sanitize(value: unknown): SavedView[] {
  if (!Array.isArray(value)) return []
  const out: SavedView[] = []
  for (const v of value) {
    if (!v || typeof v !== 'object' || typeof v.name !== 'string' || !v.name.trim()) continue
    const f = { ...emptyFilters(), ...(typeof v.filters === 'object' && v.filters ? v.filters : {}) } as LedgerFilters
    if (!Array.isArray(f.status)) f.status = []
    out.push({ name: v.name.trim(), filters: f, sort: typeof v.sort === 'string' ? v.sort : '-created_at' })
  }
  return out
}

export function loadViews(username: string, storage: Pick<Storage, 'getItem'> = localStorage): SavedView[] {
  try {
    return sanitize(JSON.parse(storage.getItem(storageKey(username)) ?? '[]'))
  } catch {
    return []
  }
}

export function storeViews(username: string, views: SavedView[], storage: Pick<Storage, 'setItem'> = localStorage): void {
  storage.setItem(storageKey(username), JSON.stringify(views))
}

/** Adds a view, replacing one of the same name; returns the new list. */
export function upsertView(views: readonly SavedView[], view: SavedView): SavedView[] {
  const name = view.name.trim()
  const copy = { name, filters: JSON.parse(JSON.stringify(view.filters)) as LedgerFilters, sort: view.sort }
  const i = views.findIndex((v) => v.name === name)
  if (i < 0) return [...views, copy]
  return views.map((v, j) => (j === i ? copy : v))
}
