import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import type { Component } from 'vue'
import { Bell, ChatDotRound, DataAnalysis, Document, HomeFilled, Setting } from '@element-plus/icons-vue'
import { i18n } from '@/locales'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title, e.g. 'menu.ledger'. */
    title: string
    /** Permission code required to see the page; enforced once login exists. */
    permission?: string
    /** Menu icon; routes without one are not shown in the side menu. */
    icon?: Component
  }
}

export const routes: RouteRecordRaw[] = [
  {
    path: '/',
    name: 'dashboard',
    component: () => import('@/views/dashboard/DashboardView.vue'),
    meta: { title: 'menu.dashboard', icon: HomeFilled },
  },
  {
    path: '/ledger',
    name: 'ledger',
    component: () => import('@/views/ledger/LedgerView.vue'),
    meta: { title: 'menu.ledger', icon: Document, permission: 'ledger:view' },
  },
  {
    path: '/complaints',
    name: 'complaint',
    component: () => import('@/views/complaint/ComplaintView.vue'),
    meta: { title: 'menu.complaint', icon: ChatDotRound, permission: 'complaint:view' },
  },
  {
    path: '/notifications',
    name: 'notify',
    component: () => import('@/views/notify/NotifyView.vue'),
    meta: { title: 'menu.notify', icon: Bell, permission: 'notify:view' },
  },
  {
    path: '/reports',
    name: 'report',
    component: () => import('@/views/report/ReportView.vue'),
    meta: { title: 'menu.report', icon: DataAnalysis, permission: 'report:view' },
  },
  {
    path: '/system',
    name: 'system',
    component: () => import('@/views/system/SystemView.vue'),
    meta: { title: 'menu.system', icon: Setting, permission: 'system:manage' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFoundView.vue'),
    meta: { title: 'notFound.title' },
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
