import type { Directive } from 'vue'
import { useSessionStore } from '@/stores/session'

type Required = string | readonly string[]

function apply(el: HTMLElement, required: Required) {
  const allowed = useSessionStore().can(required)
  el.style.display = allowed ? '' : 'none'
  if (allowed) el.removeAttribute('aria-hidden')
  else el.setAttribute('aria-hidden', 'true')
}

/**
 * `v-can="'users:manage'"` or `v-can="['tokens:own', 'tokens:manage']"` (any one): the element
 * is hidden unless the user holds the permission. Prefer `v-if="can(...)"` (usePermission)
 * where the element should not even be created.
 */
export const vCan: Directive<HTMLElement, Required> = {
  mounted(el, binding) {
    apply(el, binding.value)
  },
  updated(el, binding) {
    apply(el, binding.value)
  },
}
