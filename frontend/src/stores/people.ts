// Names of people the ledger refers to by id (责任人, 登记人, 督办负责人…). A unit's people come
// from ledger-api's people directory (GET /people, ledger:write: id, name and unit name of the
// active people in the caller's scope), or from the user list for an administrator without
// ledger:write; other names come from what answers carry (周进展缺报, 核实队列).
import { ref } from 'vue'
import { defineStore } from 'pinia'
import { listPeople } from '@/api/ledger'
import { listUsers } from '@/api/identity'
import { useSessionStore } from './session'

/** What a picker needs of a person. */
export interface PersonName {
  id: string
  display_name: string
}

export const usePeopleStore = defineStore('people', () => {
  const names = ref<Record<string, string>>({})
  const byUnit = ref<Record<string, PersonName[]>>({})
  const loading: Record<string, Promise<PersonName[]> | undefined> = {}

  function remember(id: string | null | undefined, name: string | null | undefined) {
    if (id && name) names.value[id] = name
  }

  async function fetchUnit(unitId: string): Promise<PersonName[]> {
    const session = useSessionStore()
    if (session.can('ledger:write')) {
      const people: PersonName[] = []
      for (let page = 1; ; page++) {
        const chunk = await listPeople({ unit_id: unitId, page, page_size: 200 })
        people.push(...chunk.items.map((p) => ({ id: p.id, display_name: p.display_name })))
        if (chunk.items.length < 200 || people.length >= chunk.total) return people
      }
    }
    if (session.can('users:manage')) {
      const page = await listUsers({ unit_id: unitId, active: true, page_size: 200 })
      return page.items.filter((u) => u.kind === 'person').map((u) => ({ id: u.id, display_name: u.display_name }))
    }
    return []
  }

  /** The active people of a unit (empty when the caller may not list them). Cached for the session. */
  function loadUnit(unitId: string | null | undefined): Promise<PersonName[]> {
    if (!unitId) return Promise.resolve([])
    loading[unitId] ??= fetchUnit(unitId)
      .then((people) => {
        byUnit.value[unitId] = people
        for (const p of people) remember(p.id, p.display_name)
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
