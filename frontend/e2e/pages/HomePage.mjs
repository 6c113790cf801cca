import { AppShell } from './AppShell.mjs'

export const SERVICES = ['ledger', 'complaint', 'notify']

/** 首页 (the dashboard for the office), and 系统管理 → 服务状态 with one status tag per backend service. */
export class HomePage extends AppShell {
  /** @param {string} baseUrl */
  async goto(baseUrl) {
    await this.page.goto(new URL('/', baseUrl).href)
    await this.waitForMenu()
  }

  /** @param {string} service one of SERVICES */
  statusTag(service) {
    return this.page.getByTestId(`health-${service}`)
  }

  /** Waits until the health check finished and returns the tag's visible text. */
  async settledStatusText(service, timeout = 15_000) {
    const tag = this.statusTag(service)
    await tag.and(this.page.locator(':not([data-status="pending"])')).waitFor({ timeout })
    return (await tag.innerText()).trim()
  }
}
