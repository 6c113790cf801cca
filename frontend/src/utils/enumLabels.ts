// Enumerations of the contracts, shown in Chinese. Each has one label map in locales/zh-CN.ts typed
// by the generated contract type, so a value the contract adds fails the type check until it is
// labelled:
//
//   // locales/zh-CN.ts
//   statuses: { open: '待化解', … } satisfies Record<ItemStatus, string>,
//   // composables/useLedgerLabels.ts
//   export const ITEM_STATUSES = codesOf(L.statuses)            // the choices, in the map's order
//   export const statusLabel = (code: string | null | undefined) => labelOf(L.statuses, code)

/** The values of an enumeration, in the order its label map lists them (a select's options). */
export function codesOf<K extends string>(labels: Record<K, string>): readonly K[] {
  return Object.keys(labels) as K[]
}

/** A value's label; '' for none, the value itself for one the map does not know (older data). */
export function labelOf<K extends string>(labels: Record<K, string>, code: string | null | undefined): string {
  if (!code) return ''
  return (labels as Record<string, string>)[code] ?? code
}
