// Names of people the ledger refers to by id (责任人, 登记人, 督办负责人…). ledger-api has no
// directory a unit operator may read, so names come from what the caller can see: themself,
// the user list (users:manage, e.g. the office), and names other answers carry (周进展缺报).
import { ref } from 'vue'
import { defineStore } from 'pinia'
import { listUsers, type User } from '@/api/identity'
import { useSessionStore } from './session'

export const usePeopleStore = defineStore('people', () => {
  const names = ref<Record<string, string>>({})
  const byUnit = ref<Record<string, User[]>>({})
  const loading: Record<string, Promise<User[]> | undefined> = {}

  function remember(id: string | null | undefined, name: string | null | undefined) {
    if (id && name) names.value[id] = name
  }

  /** The people of a unit (empty without users:manage). Cached for the session. */
  function loadUnit(unitId: string | null | undefined): Promise<User[]> {
    const session = useSessionStore()
    if (!unitId || !session.can('users:manage')) return Promise.resolve([])
    loading[unitId] ??= listUsers({ unit_id: unitId, active: true, page_size: 200 })
      .then((page) => {
        const people = page.items.filter((u) => u.kind === 'person')
        byUnit.value[unitId] = people
        for (const u of people) remember(u.id, u.display_name)
        return people
      })
      .catch((err) => {
        loading[unitId] = undefined
        throw err
      })
    return loading[unitId]!
  }

  /** A display name for a person id: known name, or '' when unknown. */
  function name(id: string | null | undefined): string {
    if (!id) return ''
    const session = useSessionStore()
    if (session.me && id === session.me.id) return session.me.display_name
    return names.value[id] ?? ''
  }

  function reset() {
    names.value = {}
    byUnit.value = {}
    for (const key of Object.keys(loading)) loading[key] = undefined
  }

  return { names, byUnit, remember, loadUnit, name, reset }
})
