// el-form rules shared by the ledger forms (messages from zh-CN).
import type { FormItemRule } from 'element-plus'
import { i18n } from '@/locales'
import { parseMoney, type MoneyOptions } from './money'

const t = (key: string) => i18n.global.t(key)

/** An amount typed into MoneyInput: required (or empty allowed), ≤ 2 decimals, sign and zero as asked. */
export function moneyRule(options: MoneyOptions & { required?: boolean } = {}): FormItemRule {
  const { required = true, ...parse } = options
  return {
    // `required` only marks the label with an asterisk: the validator below decides.
    required,
    trigger: 'blur',
    validator: (_rule, value: unknown, callback) => {
      const text = typeof value === 'string' ? value : ''
      if (!text.trim() && !required) return callback()
      const parsed = parseMoney(text, { allowZero: false, ...parse })
      callback(parsed.ok ? undefined : new Error(t(`money.errors.${parsed.error}`)))
    },
  }
}

export function requiredRule(messageKey: string, trigger: 'blur' | 'change' = 'blur'): FormItemRule {
  return { required: true, message: t(messageKey), trigger }
}

/** A unified social credit code looks like one (18 characters of its alphabet); the check character is the server's. */
export const USCC_PATTERN = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/

export function usccRule(): FormItemRule {
  return {
    trigger: 'blur',
    validator: (_rule, value: unknown, callback) => {
      const text = typeof value === 'string' ? value.trim().toUpperCase() : ''
      if (!text) return callback(new Error(t('ledger.party.usccRequired')))
      callback(USCC_PATTERN.test(text) ? undefined : new Error(t('ledger.party.usccFormat')))
    },
  }
}
