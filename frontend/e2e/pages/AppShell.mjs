/** The layout every page after login shares: header title, user menu, side menu, watermark. */
export class AppShell {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page
    this.title = page.locator('.app-title')
    this.menu = page.getByTestId('main-menu')
    this.userMenu = page.getByTestId('user-menu')
    this.userName = page.getByTestId('user-name')
    this.watermark = page.getByTestId('watermark')
  }

  /** @param {string} label visible menu text, e.g. '台账' */
  menuItem(label) {
    return this.menu.getByRole('menuitem', { name: label, exact: true })
  }

  /** A sub-menu's title row, e.g. '系统管理'. */
  subMenuTitle(label) {
    return this.menu.locator('.el-sub-menu__title', { hasText: label })
  }

  async waitForMenu() {
    await this.menu.waitFor({ state: 'visible' })
  }

  /**
   * Opens a page from the side menu: `navigate('系统管理', '用户管理')` or `navigate('台账')`.
   * @param {string} section
   * @param {string} [item]
   */
  async navigate(section, item) {
    await this.waitForMenu()
    if (!item) {
      await this.menuItem(section).click()
      return
    }
    const entry = this.menu.locator('.el-menu-item', { hasText: item })
    if (!(await entry.isVisible())) await this.subMenuTitle(section).click()
    await entry.click()
  }

  /** The watermark's text ('<姓名> <登录名> <YYYY-MM-DD HH:mm>'), or null when absent. */
  async watermarkText() {
    if ((await this.watermark.count()) === 0) return null
    return this.watermark.getAttribute('data-text')
  }

  async logout() {
    await this.userMenu.click()
    await this.page.getByTestId('menu-logout').click()
    await this.page.waitForURL((url) => url.pathname === '/login')
  }
}

/** Confirms an Element Plus message box if one is (or becomes) open. */
export async function confirmMessageBox(page, timeout = 1_000) {
  const box = page.locator('.el-message-box')
  try {
    await box.waitFor({ state: 'visible', timeout })
  } catch {
    return false
  }
  await box.locator('.el-message-box__btns .el-button--primary').click()
  await box.waitFor({ state: 'hidden' })
  return true
}

/**
 * Reads the secret from the one-time secret dialog, copies it, closes the dialog.
 * @param {import('playwright-core').Page} page
 */
export async function takeOneTimeSecret(page) {
  const dialog = page.getByTestId('one-time-secret-dialog')
  const input = page.getByTestId('one-time-secret')
  await input.waitFor({ state: 'visible' })
  const secret = await input.inputValue()
  await page.getByTestId('copy-secret').click()
  await page.getByTestId('secret-done').click()
  await confirmMessageBox(page) // only asked when copying failed
  await dialog.waitFor({ state: 'hidden' })
  return secret
}

/**
 * Picks an option of an Element Plus select by its visible label (typing to filter first).
 * @param {import('playwright-core').Page} page
 * @param {import('playwright-core').Locator} select the el-select (or an element inside it)
 * @param {string} label
 */
export async function chooseOption(page, select, label) {
  await select.click()
  const input = select.locator('input')
  if ((await input.count()) > 0) await input.first().fill(label)
  // Exact label: "海澄县财政局" must not pick "海澄县财政局国库科".
  const option = page.locator('.el-select-dropdown:visible').getByRole('option', { name: label, exact: true }).first()
  await option.click()
}
