// One list page's state and loading: filters, paging, rows, total, spinner and the last problem.
// The system pages (users, login log, audit) differ only in their filters and their fetch call.
import { reactive, ref, type Ref, type UnwrapRef } from 'vue'
import { toProblem, type Problem } from '@/api/problems'

export interface PageResult<T> {
  items: T[]
  total: number
}

export interface Paging {
  page: number
  page_size: number
}

export function usePagedList<F extends object, T>(
  initialFilters: () => F,
  fetch: (filters: UnwrapRef<F>, paging: Paging) => Promise<PageResult<T>>,
) {
  const filters = reactive(initialFilters())
  const paging = reactive<Paging>({ page: 1, page_size: 20 })
  const rows = ref([]) as Ref<T[]>
  const total = ref(0)
  const loading = ref(false)
  const problem = ref<Problem | null>(null)

  async function load() {
    loading.value = true
    try {
      const page = await fetch(filters as UnwrapRef<F>, paging)
      rows.value = page.items
      total.value = page.total
      problem.value = null
    } catch (err) {
      problem.value = toProblem(err)
    } finally {
      loading.value = false
    }
  }

  /** A new search starts from the first page. */
  function search() {
    paging.page = 1
    void load()
  }

  function resetFilters() {
    Object.assign(filters, initialFilters())
    search()
  }

  return { filters, paging, rows, total, loading, problem, load, search, resetFilters }
}
