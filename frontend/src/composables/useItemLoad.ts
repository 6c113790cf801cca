// An item tab's data, read when the tab opens and again whenever the item changes (another item,
// or a new version after any save): the spinner and the problem to show in place of the data.
//
//   const rows = ref<Repayment[]>([])
//   const { loading, problem, load } = useItemLoad(() => props.item, async () => {
//     rows.value = await listRepayments(props.item.id)
//   })
import { ref, watch } from 'vue'
import { toProblem, type Problem } from '@/api/problems'

export function useItemLoad(item: () => { id: string; version: number }, read: () => Promise<void>) {
  const loading = ref(false)
  const problem = ref<Problem | null>(null)

  async function load(): Promise<void> {
    loading.value = true
    try {
      await read()
      problem.value = null
    } catch (err) {
      problem.value = toProblem(err)
    } finally {
      loading.value = false
    }
  }

  watch(() => [item().id, item().version], load, { immediate: true })
  return { loading, problem, load }
}
