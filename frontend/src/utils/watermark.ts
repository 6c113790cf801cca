import { beijingParts } from './format'

export interface WatermarkUser {
  display_name: string
  username: string
}

/** 'YYYY-MM-DD HH:mm' in Beijing time. */
export function watermarkTime(instant: Date): string {
  const p = beijingParts(instant)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

/** The watermark line: '<display_name> <username> <YYYY-MM-DD HH:mm>' (blank parts dropped). */
export function watermarkText(user: WatermarkUser, instant: Date): string {
  return [user.display_name.trim(), user.username.trim(), watermarkTime(instant)].filter(Boolean).join(' ')
}

/** Milliseconds until the next minute starts (the watermark re-renders then). */
export function msUntilNextMinute(instant: Date): number {
  return 60_000 - (instant.getTime() % 60_000)
}
