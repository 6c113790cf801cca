// Navigation rules:
//  - not logged in → /login (remembering where the user was going);
//  - must change password → /password, and nowhere else;
//  - route meta.permission (every matched level) checked against /auth/me → else /403;
//  - /system → its first page the user may open.
import type { RouteLocationNormalized, Router } from 'vue-router'
import { ElMessage } from 'element-plus'
import { i18n } from '@/locales'
import { showProblem } from '@/api/problems'
import { useSessionStore } from '@/stores/session'
import { useDictionariesStore } from '@/stores/dictionaries'
import { usePeopleStore } from '@/stores/people'
import { menuRoutes, safeRedirect } from '.'

function loginRoute(to: RouteLocationNormalized, reason?: string) {
  const query: Record<string, string> = {}
  if (to.fullPath !== '/' && !to.meta.public) query.redirect = to.fullPath
  if (reason) query.reason = reason
  return { name: 'login', query }
}

export function installGuards(router: Router): void {
  const session = useSessionStore()
  session.restore()

  router.beforeEach(async (to) => {
    if (to.meta.public) {
      if (to.name === 'login' && session.isLoggedIn) {
        return session.mustChangePassword ? { name: 'password' } : (safeRedirect(to.query.redirect) ?? '/')
      }
      return true
    }
    if (!session.isLoggedIn) return loginRoute(to)
    if (!session.me) {
      try {
        await session.loadMe()
      } catch (err) {
        if (!session.isLoggedIn) return loginRoute(to, 'timeout')
        showProblem(err)
        return false
      }
    }
    if (session.mustChangePassword) {
      return to.name === 'password' ? true : { name: 'password', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
    }
    for (const record of to.matched) {
      if (!session.can(record.meta.permission)) return { name: 'forbidden', query: { from: to.fullPath } }
    }
    if (to.name === 'system') {
      const system = menuRoutes.find((r) => r.name === 'system')
      const first = system?.children?.find((c) => session.can(c.meta?.permission))
      return first?.name ? { name: first.name } : { name: 'forbidden' }
    }
    return true
  })

  // Logged out by the user, or the session timed out (idle, refresh refused).
  session.onEnded((reason) => {
    useDictionariesStore().reset()
    usePeopleStore().reset()
    const current = router.currentRoute.value
    if (reason === 'timeout') {
      ElMessage({ type: 'warning', message: i18n.global.t('session.timedOut'), grouping: true, duration: 6000 })
    }
    if (!current.meta.public) void router.replace(loginRoute(current, reason === 'timeout' ? 'timeout' : undefined))
  })
}
