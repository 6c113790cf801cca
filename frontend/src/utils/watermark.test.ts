import { describe, expect, it } from 'vitest'
import { msUntilNextMinute, watermarkText, watermarkTime } from './watermark'

const user = { display_name: '林晓岚', username: 'office01' }

describe('watermarkTime', () => {
  it('formats YYYY-MM-DD HH:mm in Beijing time, zero-padded', () => {
    expect(watermarkTime(new Date('2024-01-16T06:05:59Z'))).toBe('2024-01-16 14:05')
  })

  it('rolls over to the next Beijing day', () => {
    expect(watermarkTime(new Date('2024-12-31T16:00:00Z'))).toBe('2025-01-01 00:00')
  })

  it('uses 00, not 24, at midnight', () => {
    expect(watermarkTime(new Date('2024-03-01T16:00:30Z'))).toBe('2024-03-02 00:00')
  })
})

describe('watermarkText', () => {
  it('is "<display_name> <username> <YYYY-MM-DD HH:mm>"', () => {
    expect(watermarkText(user, new Date('2024-01-16T06:05:00Z'))).toBe('林晓岚 office01 2024-01-16 14:05')
  })

  it('trims and drops empty parts', () => {
    expect(watermarkText({ display_name: '  ', username: ' admin ' }, new Date('2024-01-16T06:05:00Z'))).toBe(
      'admin 2024-01-16 14:05',
    )
  })
})

describe('msUntilNextMinute', () => {
  it('counts to the next full minute', () => {
    expect(msUntilNextMinute(new Date('2024-01-16T06:05:45.500Z'))).toBe(14_500)
    expect(msUntilNextMinute(new Date('2024-01-16T06:05:00.000Z'))).toBe(60_000)
  })
})
