import { computed, ref } from 'vue'
import { defineStore } from 'pinia'

export interface SessionUser {
  id: string
  name: string
  permissions: string[]
}

/** The logged-in user. Placeholder: always null until login is built. */
export const useSessionStore = defineStore('session', () => {
  const user = ref<SessionUser | null>(null)
  const isLoggedIn = computed(() => user.value !== null)
  return { user, isLoggedIn }
})
