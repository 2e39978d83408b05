"""Browser tests: Playwright driving the machine's Chromium (Debian's `chromium` package), headless.

Playwright's own browser download is not used: CHROMIUM_PATH (default /usr/bin/chromium) names the
binary. Screenshots go to test-artifacts/screenshots/, which CI keeps."""
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 812}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(f"Chromium not found at {path}: install Debian's `chromium` package (make test does) "
                    "or set CHROMIUM_PATH.", pytrace=False)
    return path


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """One Chromium per test module, started after the test database exists.

    Playwright's sync API runs an event loop in the test thread. The ORM calls that tests (and the
    database flush after each test) make between browser steps are plain synchronous calls, so
    Django's async guard is lifted while the browser is open, and only then (a deploy check run by
    another test must not see it)."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            instance = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Reports every Content-Security-Policy violation of the page to the test (added before any script of the page).
CSP_LISTENER = """document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation(
  `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || e.documentURI}:${e.lineNumber}`
  + (e.sample ? ` (${e.sample})` : '')));"""


class PageWatch:
    """Collects console errors, uncaught exceptions and Content-Security-Policy violations of a page (the
    `securitypolicyviolation` events and the browser's "Refused to ..." console lines), and every page of
    the site that was served without a Content-Security-Policy; tests assert there are none. The browser's
    own "Failed to load resource" line for a page that is meant to be an error page (its main document
    answered 404) is not an error of that page."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.csp_violations: list[str] = []
        self.expected_status_urls: set[str] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("response", self._response)
        page.expose_function("__cspViolation", self._csp_violation)
        page.add_init_script(CSP_LISTENER)

    def _csp_violation(self, text: str) -> None:
        self.csp_violations.append(text)
        self.errors.append(f"CSP violation: {text}")

    def _response(self, response):
        ours = response.url.startswith(("http://localhost", "http://127.0.0.1"))
        if ours and response.request.resource_type == "document" and "content-security-policy" not in response.headers:
            self.errors.append(f"no Content-Security-Policy header on {response.url}")

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp_violations.append(message.text)
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource") and \
                (message.location or {}).get("url") in self.expected_status_urls:
            return
        self.errors.append(f"console: {message.text} ({(message.location or {}).get('url')})")


@pytest.fixture
def new_page(browser):
    """`new_page(viewport=DESKTOP) -> (page, watch)`; contexts are closed after the test."""
    contexts = []

    def make(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        return page, PageWatch(page)

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # caret="initial": hiding the caret leaves `style=""` on the page's inputs, which htmx then copies onto the
    # elements it swaps in (settling), a style attribute the Content-Security-Policy rightly blocks.
    page.screenshot(path=str(path), full_page=full_page, caret="initial")
    return path


def overflowing(page) -> list[str]:
    """What makes the page wider than the viewport (document.scrollingElement.scrollWidth > innerWidth: the
    elements sticking out on the right), and every table with a column cut off (a table wider than its box,
    or a cell whose content is clipped). Empty when everything fits."""
    return page.evaluate("""() => {
      const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
      const out = [];
      const width = window.innerWidth;
      if (document.scrollingElement.scrollWidth > width + 1) {
        out.push('page scrollWidth=' + document.scrollingElement.scrollWidth + ' > innerWidth=' + width);
        for (const el of document.querySelectorAll('body *')) {
          const r = el.getBoundingClientRect();
          if (r.right > width + 1 && !el.closest('.table-wrap')) out.push(name(el) + ' right=' + Math.round(r.right));
        }
      }
      for (const table of document.querySelectorAll('table')) {
        if (!table.getClientRects().length) continue;  // in a closed <details>
        const box = table.closest('.table-wrap') || table.parentElement;
        if (box.scrollWidth > box.clientWidth + 1) {
          const cells = [...table.querySelectorAll('th, td')].filter(c => {
            const r = c.getBoundingClientRect(), b = box.getBoundingClientRect();
            return r.width && (r.right > b.right + 1 || r.left < b.left - 1);
          });
          const shown = cells.slice(0, 3).map(c => JSON.stringify(c.textContent.trim().slice(0, 30)));
          out.push('table cut off: ' + name(table) + ' in ' + name(box) + ' (' + box.scrollWidth + ' > ' +
                   box.clientWidth + '): ' + shown.join(', '));
        }
      }
      return out.slice(0, 12);
    }""")


def fits_width(page) -> bool:
    """The page does not scroll sideways at its viewport's width."""
    return not overflowing(page)
