import { AppShell, takeOneTimeSecret } from './AppShell.mjs'

/** 系统管理 › API 令牌. */
export class TokensPage extends AppShell {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    super(page)
    this.root = page.getByTestId('tokens-page')
    this.table = page.getByTestId('tokens-table')
    this.dialog = page.getByTestId('token-dialog')
  }

  async open() {
    await this.navigate('系统管理', 'API 令牌')
    await this.page.waitForURL((url) => url.pathname === '/system/tokens')
    await this.root.waitFor({ state: 'visible' })
  }

  /**
   * Creates a token for oneself and returns it (shown once).
   * @param {{name: string, scopes: string[], days?: number}} token scopes are permission codes
   */
  async createToken({ name, scopes, days }) {
    await this.page.getByTestId('token-create').click()
    await this.dialog.waitFor({ state: 'visible' })
    await this.dialog.getByTestId('token-name').fill(name)
    for (const scope of scopes) await this.dialog.getByTestId(`scope-${scope}`).click()
    if (days) await this.dialog.getByTestId('token-expiry').fill(String(days))
    await this.dialog.getByTestId('token-submit').click()
    return takeOneTimeSecret(this.page)
  }

  /** Waits until the table's loading mask is gone. */
  async waitForLoaded() {
    await this.table.locator('.el-loading-mask').waitFor({ state: 'hidden' })
  }

  row(name) {
    return this.table.locator('.el-table__body tr', { hasText: name })
  }
}
