import { useSessionStore } from '@/stores/session'

/**
 * What the logged-in user may do, from the same permission codes the API enforces
 * (GET /auth/me). Decides what renders; the API remains the guard.
 *
 *   const { can } = usePermission()
 *   <el-button v-if="can('users:manage')">…</el-button>
 */
export function usePermission() {
  const session = useSessionStore()
  /** Any one of the permissions (a single code, or a list); nothing required → true. */
  const can = (required?: string | readonly string[] | null) => session.can(required)
  /** Every one of the permissions. */
  const canAll = (required: readonly string[]) => required.every((p) => session.can(p))
  return { can, canAll }
}
