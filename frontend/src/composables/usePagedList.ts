// One list page's state and loading: filters, paging, rows, total, spinner and the last problem.
// Every paged table (users, login log, audit, API tokens, the ledger lists) differs only in its
// filters and its fetch call; its pager is `<ListPager :list="list" />` (components/ListPager.vue).
//
// - A server that stops counting (`total_exact: false`, "1,000 or more") is shown as "1,000+" and
//   the pager still lets the clerk walk on while pages come back full (`pagerTotal`).
// - An optional `summary` (the ledger's totals row) is fetched with a page only when the filters
//   changed since the last one: paging through a result does not re-add the whole filtered set.
// - Answers that arrive after a newer request was sent are dropped (fast clicks on the pager).
import { computed, reactive, ref, type Ref, type UnwrapRef } from 'vue'
import { toProblem, type Problem } from '@/api/problems'

export interface PageResult<T> {
  items: T[]
  total: number
  /** false: at least `total` rows match (the server stopped counting there). */
  total_exact?: boolean
}

export interface Paging {
  page: number
  page_size: number
}

/** What a pager needs of a list: `<ListPager :list="list" />` takes the whole usePagedList result. */
export interface PagedList {
  paging: Paging
  pagerTotal: { readonly value: number }
  totalText: { readonly value: string }
  load: () => Promise<void>
  search: () => Promise<void>
}

export interface PagedListOptions<F, S> {
  /** The first page and page size (e.g. from the route). */
  paging?: Partial<Paging>
  /** Figures over the whole filtered set (not the page), refetched only when `summaryKey` changes. */
  summary?: (filters: UnwrapRef<F>) => Promise<S>
  /** What the summary depends on; by default the filters as JSON. */
  summaryKey?: (filters: UnwrapRef<F>) => string
}

/** "1,234", or "1,000+" when the server stopped counting. */
export function formatTotal(total: number, exact = true): string {
  const n = total.toLocaleString('en-US')
  return exact ? n : `${n}+`
}

/**
 * The total to give a pager. Exact: the total. Counting stopped: at least what was counted, and
 * one page more while the current page came back full, so "next" stays open past the cap.
 */
export function pagerTotal(total: number, exact: boolean, paging: Paging, rowsOnPage: number): number {
  if (exact) return total
  const seen = (paging.page - 1) * paging.page_size + rowsOnPage
  return Math.max(total, rowsOnPage === paging.page_size ? seen + 1 : seen)
}

export function usePagedList<F extends object, T, S = never>(
  initialFilters: () => F,
  fetch: (filters: UnwrapRef<F>, paging: Paging) => Promise<PageResult<T>>,
  options: PagedListOptions<F, S> = {},
) {
  const filters = reactive(initialFilters())
  const paging = reactive<Paging>({ page: 1, page_size: 20, ...options.paging })
  const rows = ref([]) as Ref<T[]>
  const total = ref(0)
  const totalExact = ref(true)
  const summary = ref(null) as Ref<S | null>
  const loading = ref(false)
  const problem = ref<Problem | null>(null)

  let sequence = 0
  let summaryKey: string | null = null

  const keyOf = (f: UnwrapRef<F>) => (options.summaryKey ? options.summaryKey(f) : JSON.stringify(f))

  /** Loads the current page (and the summary, when the filters changed since it was read). */
  async function load(): Promise<void> {
    const mine = ++sequence
    loading.value = true
    const f = filters as UnwrapRef<F>
    const key = options.summary ? keyOf(f) : null
    const wantSummary = options.summary !== undefined && key !== summaryKey
    try {
      const [page, sums] = await Promise.all([fetch(f, { page: paging.page, page_size: paging.page_size }), wantSummary ? options.summary!(f) : null])
      if (mine !== sequence) return
      rows.value = page.items
      total.value = page.total
      totalExact.value = page.total_exact ?? true
      if (wantSummary) {
        summary.value = sums as S
        summaryKey = key
      }
      problem.value = null
    } catch (err) {
      if (mine !== sequence) return
      problem.value = toProblem(err)
    } finally {
      if (mine === sequence) loading.value = false
    }
  }

  /** A new search starts from the first page. */
  function search(): Promise<void> {
    paging.page = 1
    return load()
  }

  /** Reloads the page and the summary (after a change to the data itself). */
  function refresh(): Promise<void> {
    summaryKey = null
    return load()
  }

  function resetFilters(): Promise<void> {
    Object.assign(filters, initialFilters())
    return search()
  }

  const totalText = computed(() => formatTotal(total.value, totalExact.value))
  const pagerTotalValue = computed(() => pagerTotal(total.value, totalExact.value, paging, rows.value.length))

  return {
    filters,
    paging,
    rows,
    total,
    totalExact,
    totalText,
    pagerTotal: pagerTotalValue,
    summary,
    loading,
    problem,
    load,
    search,
    refresh,
    resetFilters,
  }
}
