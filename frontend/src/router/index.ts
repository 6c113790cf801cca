import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import type { Component } from 'vue'
import { Bell, ChatDotRound, DataAnalysis, Document, HomeFilled, Setting } from '@element-plus/icons-vue'
import { i18n } from '@/locales'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title, e.g. 'menu.ledger'. */
    title: string
    /** Permission code(s) required to see the page (any one of a list), from GET /auth/me. */
    permission?: string | readonly string[]
    /** Menu icon; top-level routes without one are not shown in the side menu. */
    icon?: Component
    /** Reachable without logging in (the login page). */
    public?: boolean
    /** Not listed in the side menu. */
    hidden?: boolean
    /** Side-menu entry to highlight for a page that has none (an item → 台账明细). */
    activeMenu?: string
  }
}

/** Anyone who may open at least one 系统管理 page sees the menu entry. */
const SYSTEM_PERMISSIONS = ['org:read', 'users:manage', 'tokens:own', 'tokens:manage', 'audit:read'] as const

/** The pages inside the layout (header, side menu, watermark); the side menu is built from these. */
export const menuRoutes: RouteRecordRaw[] = [
  {
    path: '',
    name: 'dashboard',
    component: () => import('@/views/HomeView.vue'),
    meta: { title: 'menu.dashboard', icon: HomeFilled },
  },
  {
    path: 'ledger',
    name: 'ledger',
    component: () => import('@/views/ledger/LedgerSection.vue'),
    meta: { title: 'menu.ledger', icon: Document, permission: ['ledger:read', 'ledger:read_judicial'] },
    children: [
      {
        path: '',
        name: 'ledger-list',
        component: () => import('@/views/ledger/LedgerListView.vue'),
        meta: { title: 'menu.ledgerList' },
      },
      {
        path: 'import',
        name: 'ledger-import',
        component: () => import('@/views/ledger/ImportView.vue'),
        meta: { title: 'menu.ledgerImport', permission: 'ledger:write' },
      },
      {
        path: 'items/:id',
        name: 'ledger-item',
        component: () => import('@/views/ledger/ItemView.vue'),
        meta: { title: 'menu.item', hidden: true, activeMenu: '/ledger' },
      },
      {
        path: 'verification',
        name: 'ledger-verification',
        component: () => import('@/views/ledger/VerificationView.vue'),
        meta: { title: 'menu.verification', permission: 'ledger:verify' },
      },
      {
        path: 'weekly',
        name: 'ledger-weekly',
        component: () => import('@/views/ledger/WeeklyMissingView.vue'),
        meta: { title: 'menu.weeklyMissing', permission: 'ledger:read' },
      },
      {
        path: 'key-cases',
        name: 'ledger-key-cases',
        component: () => import('@/views/ledger/KeyCasesView.vue'),
        meta: { title: 'menu.keyCases', permission: 'ledger:read' },
      },
      {
        path: 'candidates',
        name: 'ledger-candidates',
        component: () => import('@/views/ledger/CandidatesView.vue'),
        meta: { title: 'menu.candidates', permission: 'ledger:verify' },
      },
    ],
  },
  {
    path: 'complaints',
    name: 'complaint',
    component: () => import('@/views/complaint/ComplaintView.vue'),
    meta: { title: 'menu.complaint', icon: ChatDotRound, permission: 'complaints:read' },
  },
  {
    path: 'notifications',
    name: 'notify',
    component: () => import('@/views/notify/NotifyView.vue'),
    meta: { title: 'menu.notify', icon: Bell, permission: 'notify:read' },
  },
  {
    path: 'reports',
    name: 'report',
    component: () => import('@/views/report/ReportView.vue'),
    meta: { title: 'menu.report', icon: DataAnalysis, permission: 'ledger:read' },
  },
  {
    path: 'system',
    name: 'system',
    component: () => import('@/views/system/SystemView.vue'),
    meta: { title: 'menu.system', icon: Setting, permission: SYSTEM_PERMISSIONS },
    children: [
      {
        path: 'org',
        name: 'system-org',
        component: () => import('@/views/system/OrgView.vue'),
        meta: { title: 'menu.org', permission: 'org:read' },
      },
      {
        path: 'users',
        name: 'system-users',
        component: () => import('@/views/system/UsersView.vue'),
        meta: { title: 'menu.users', permission: 'users:manage' },
      },
      {
        path: 'tokens',
        name: 'system-tokens',
        component: () => import('@/views/system/TokensView.vue'),
        meta: { title: 'menu.tokens', permission: ['tokens:own', 'tokens:manage'] },
      },
      {
        path: 'login-events',
        name: 'system-login-events',
        component: () => import('@/views/system/LoginEventsView.vue'),
        meta: { title: 'menu.loginEvents', permission: ['audit:read', 'users:manage'] },
      },
      {
        path: 'audit',
        name: 'system-audit',
        component: () => import('@/views/system/AuditView.vue'),
        meta: { title: 'menu.audit', permission: 'audit:read' },
      },
      {
        path: 'status',
        name: 'system-status',
        component: () => import('@/views/system/ServiceStatusView.vue'),
        meta: { title: 'menu.serviceStatus', permission: SYSTEM_PERMISSIONS },
      },
    ],
  },
  {
    path: '403',
    name: 'forbidden',
    component: () => import('@/views/ForbiddenView.vue'),
    meta: { title: 'forbidden.title', hidden: true },
  },
  {
    path: ':pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFoundView.vue'),
    meta: { title: 'notFound.title', hidden: true },
  },
]

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/auth/LoginView.vue'),
    meta: { title: 'login.title', public: true },
  },
  {
    path: '/password',
    name: 'password',
    component: () => import('@/views/auth/PasswordView.vue'),
    meta: { title: 'password.title' },
  },
  {
    path: '/',
    component: () => import('@/components/AppLayout.vue'),
    meta: { title: 'app.title' },
    children: menuRoutes,
  },
]

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
})

router.afterEach((to) => {
  const { t } = i18n.global
  document.title = `${t(to.meta.title)} - ${t('app.title')}`
})

/** A `redirect` query value that is safe to navigate to (same-origin path, not the login page). */
export function safeRedirect(value: unknown): string | null {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return null
  if (value.startsWith('/login')) return null
  return value
}
