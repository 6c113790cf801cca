// Reference data many pages show: roles (with Chinese labels), regions and units.
// Loaded on first use, cached for the session; `reload*` after a change.
import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import { fetchRoles, listRegions, listUnits, type Region, type RoleInfo, type Unit } from '@/api/identity'

export const useDictionariesStore = defineStore('dictionaries', () => {
  const roles = ref<RoleInfo[]>([])
  const regions = ref<Region[]>([])
  const units = ref<Unit[]>([])
  const loading: Record<string, Promise<unknown> | undefined> = {}

  const roleLabels = computed(() => Object.fromEntries(roles.value.map((r) => [r.code, r.label])))
  const unitNames = computed(() => Object.fromEntries(units.value.map((u) => [u.id, u.name])))
  const regionsByPath = computed(() => Object.fromEntries(regions.value.map((r) => [r.path, r])))

  function once<T>(key: string, load: () => Promise<T>, force: boolean): Promise<unknown> {
    if (force || !loading[key]) {
      loading[key] = load().catch((err) => {
        loading[key] = undefined // let the next caller try again
        throw err
      })
    }
    return loading[key]!
  }

  const loadRoles = (force = false) => once('roles', async () => (roles.value = await fetchRoles()), force)
  const loadRegions = (force = false) => once('regions', async () => (regions.value = await listRegions()), force)
  const loadUnits = (force = false) => once('units', async () => (units.value = await listUnits()), force)

  function roleLabel(code: string): string {
    return roleLabels.value[code] ?? code
  }

  function unitName(id: string | null | undefined): string {
    return id ? (unitNames.value[id] ?? id) : ''
  }

  /** "示范省 / 示范市 / 海澄县" for a region path such as "/99/9901/990121/". */
  function regionLabel(path: string | null | undefined): string {
    if (!path) return ''
    const codes = path.split('/').filter(Boolean)
    return codes
      .map((_, i) => regionsByPath.value[`/${codes.slice(0, i + 1).join('/')}/`]?.name ?? codes[i])
      .join(' / ')
  }

  function reset() {
    roles.value = []
    regions.value = []
    units.value = []
    for (const key of Object.keys(loading)) loading[key] = undefined
  }

  return { roles, regions, units, loadRoles, loadRegions, loadUnits, roleLabel, unitName, regionLabel, reset }
})
