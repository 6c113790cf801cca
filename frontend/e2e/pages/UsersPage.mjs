import { AppShell, chooseOption, takeOneTimeSecret } from './AppShell.mjs'

/** 系统管理 › 用户管理. */
export class UsersPage extends AppShell {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    super(page)
    this.root = page.getByTestId('users-page')
    this.table = page.getByTestId('users-table')
    this.dialog = page.getByTestId('user-dialog')
  }

  async open() {
    await this.navigate('系统管理', '用户管理')
    await this.page.waitForURL((url) => url.pathname === '/system/users')
    await this.root.waitFor({ state: 'visible' })
    await this.waitForRows()
  }

  async waitForRows() {
    await this.table.locator('.el-table__body tr').first().waitFor({ state: 'visible' })
    await this.waitForLoaded()
  }

  /** Waits until the table's loading mask is gone. */
  async waitForLoaded() {
    await this.table.locator('.el-loading-mask').waitFor({ state: 'hidden' })
  }

  /**
   * Creates a user through the dialog and returns the one-time password shown once.
   * @param {{username: string, displayName: string, unitName: string, roles: string[]}} user roles are codes
   */
  async createUser({ username, displayName, unitName, roles }) {
    await this.page.getByTestId('user-create').click()
    await this.dialog.waitFor({ state: 'visible' })
    await this.dialog.getByTestId('user-username').fill(username)
    await this.dialog.getByTestId('user-display-name').fill(displayName)
    await chooseOption(this.page, this.dialog.getByTestId('unit-picker'), unitName)
    for (const role of roles) await this.dialog.getByTestId(`role-${role}`).click()
    await this.dialog.getByTestId('user-submit').click()
    return takeOneTimeSecret(this.page)
  }

  /** Filters the list by login name or name. */
  async search(q) {
    await this.root.getByTestId('users-filter-q').fill(q)
    await this.root.getByRole('button', { name: '查询' }).click()
    await this.waitForLoaded()
  }

  /** The table row of a username. */
  row(username) {
    return this.table.locator('.el-table__body tr', { hasText: username })
  }
}
