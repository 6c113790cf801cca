/** The layout every page shares: header title and side menu. */
export class AppShell {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page
    this.title = page.locator('.app-title')
    this.menu = page.getByTestId('main-menu')
  }

  /** @param {string} label visible menu text, e.g. '台账' */
  menuItem(label) {
    return this.menu.getByRole('menuitem', { name: label, exact: true })
  }

  async waitForMenu() {
    await this.menu.waitFor({ state: 'visible' })
  }
}
