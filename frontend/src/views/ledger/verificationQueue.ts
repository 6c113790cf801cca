// The 核实队列's filters → the query of GET /api/ledger/repayments (kept out of the component so
// it can be tested on its own).
import type { RepaymentMethod, RepaymentQueueQuery, RepaymentStatus } from '@/api/ledger'

export type QueueSort = NonNullable<RepaymentQueueQuery['sort']>

export interface QueueFilters {
  status: RepaymentStatus[]
  unit_id: string | null | undefined
  method: RepaymentMethod | ''
  /** 报送日期 from–to, inclusive, as YYYY-MM-DD (China's dates). */
  reported: [string, string] | null
  evidence: '' | 'true' | 'false'
  sort: QueueSort
}

/** What the office opens the page on: repayments waiting for verification, oldest report first. */
export function defaultQueueFilters(): QueueFilters {
  return { status: ['reported'], unit_id: '', method: '', reported: null, evidence: '', sort: 'reported_at' }
}

export function queueQuery(f: QueueFilters, paging: { page: number; page_size: number }): RepaymentQueueQuery {
  return {
    status: f.status.length ? [...f.status] : undefined,
    unit_id: f.unit_id || undefined,
    method: f.method || undefined,
    reported_from: f.reported?.[0] || undefined,
    reported_to: f.reported?.[1] || undefined,
    has_evidence: f.evidence === '' ? undefined : f.evidence === 'true',
    sort: f.sort,
    page: paging.page,
    page_size: paging.page_size,
  }
}

