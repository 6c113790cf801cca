import { chromium } from 'playwright-core'

// Debian's chromium package; `npx playwright install` cannot download browsers here.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export function launchBrowser() {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/**
 * Collects every Content-Security-Policy violation on `page` (the gateway sends the CSP of
 * qqctl/qqctl/headers.py): the page's `securitypolicyviolation` events, reported through the
 * console, and Chromium's own "Refused to ..." console errors. Also checks that the policy is
 * there at all, so an empty list means "the SPA passes the CSP", not "there was no CSP".
 */
export function watchCsp(page) {
  const violations = []
  page.on('console', (msg) => {
    const text = msg.text()
    if (text.startsWith('[csp-violation]') || (msg.type() === 'error' && text.includes('Content Security Policy'))) {
      violations.push(text)
    }
  })
  let policySeen = false
  page.on('response', (response) => {
    if (response.request().resourceType() === 'document' && response.headers()['content-security-policy']) {
      policySeen = true
    }
  })
  return {
    ready: page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`[csp-violation] ${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`)
      })
    }),
    violations,
    get policySeen() {
      return policySeen
    },
  }
}
