// Chinese labels for codes whose keys contain '.' or ':' (audit actions, permission codes),
// which vue-i18n's key paths cannot address. Read straight from the zh-CN messages.
import zhCN from '@/locales/zh-CN'

/** 'user.created' → '创建用户'; unknown actions are shown as their code. */
export function actionLabel(action: string): string {
  return zhCN.audit.actions[action] ?? action
}

/** 'complaints:read' → '投诉查看'; unknown permissions are shown as their code. */
export function permissionLabel(permission: string): string {
  return zhCN.permissions[permission] ?? permission
}
