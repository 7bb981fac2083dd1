"""The built website in a real browser: every page, offline, without errors, accessible.

Debian's Chromium (``/usr/bin/chromium``; ``tools/browser_deps.sh`` installs it
and axe-core) driven by Playwright opens every page of the built book, served on
127.0.0.1 by the test itself, and checks:

- no console error and no uncaught exception;
- no request leaves 127.0.0.1, and none fails (no 404, not even a favicon);
- every image loads and has real alt text; every image in the text is a figure with a caption;
- all math is typeset by MathJax, with no TeX error, although MathJax's files are
  served late on purpose (``MATHJAX_DELAY``);
- every solution toggle opens;
- code cells, outputs, tables and display math fit the page or scroll inside their own
  box, on a desktop and on a phone;
- axe-core finds no critical or serious accessibility violation (and, in dark mode, no
  colour-contrast one);

and keeps a full-page screenshot of each page (solutions open) in
``_build/screenshots/`` for authors to look at. Separate tests: the search page
finds "EBLUP"; the root page redirects with no request failing; MathJax's TeX
extensions that autoload are all served.

The site is ``$BOOK_SITE`` or ``_build/html`` (see :mod:`tests.book.site_server`).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.book.site_server import ROOT, html_pages, screenshot_dir, serve, site_dir, site_required

CHROMIUM = os.environ.get("BOOK_CHROMIUM", "/usr/bin/chromium")
AXE_JS = Path(os.environ.get("BOOK_AXE_JS") or ROOT / ".venv" / "share" / "axe-core" / "axe.min.js")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    # Belt and braces: no host name resolves except the local server's address.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
#: Seconds by which every MathJax file is served late.
MATHJAX_DELAY = 0.5
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: axe-core impacts that fail the test.
AXE_FAIL = {"critical", "serious"}
#: Pages that are not chapters: no figure-caption rule on them (Sphinx's own pages).
SPHINX_PAGES = {"genindex.html", "search.html"}

SITE = site_dir()
PAGES = [p for p in html_pages(SITE) if p != "index.html"]  # the root redirect has its own test


def _require_site():
    if not (SITE / "index.html").exists():
        message = f"no built site at {SITE}: build the book first (make book), or set BOOK_SITE"
        if site_required():
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    _require_site()
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash tools/browser_deps.sh` as root, or "
                    "`sudo apt-get update && sudo apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def base_url():
    _require_site()
    with serve(SITE, mathjax_delay=MATHJAX_DELAY) as url:
        yield url


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run `bash tools/browser_deps.sh`")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = screenshot_dir()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


class Recorder:
    """Everything a page logs or asks for that the checks care about."""

    def __init__(self, page, base_url: str):
        self.base = urlsplit(base_url)
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught exception: {error}"))
        page.on("request", self._request)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def _local(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about"}:
            return True
        return parts.scheme == "http" and parts.netloc == self.base.netloc

    def _request(self, request):
        if not self._local(request.url):
            self.problems.append(f"request leaves the machine: {request.url}")

    def _failed(self, request):
        if self._local(request.url) and request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")


# JavaScript run in the page -------------------------------------------------------------------

IMAGES_JS = """async () => {
  const problems = [];
  for (const img of Array.from(document.images)) {
    img.loading = 'eager';
    const name = img.getAttribute('src');
    try { await img.decode(); } catch (e) { }
    if (!img.complete || img.naturalWidth === 0) problems.push(`image does not load: ${name}`);
    const alt = (img.getAttribute('alt') || '').trim();
    if (!alt) problems.push(`image without alt text: ${name}`);
    else if (/\\.(png|jpe?g|gif|svg|webp)$/i.test(alt) || alt.includes('_images/'))
      problems.push(`image whose alt text is a file name: ${name} (alt="${alt}")`);
  }
  return problems;
}"""

CAPTIONS_JS = """() => Array.from(document.querySelectorAll('article.bd-article img')).flatMap(img => {
  const figure = img.closest('figure');
  const caption = figure && figure.querySelector('figcaption');
  return caption && caption.textContent.trim() ? [] :
    [`figure without a caption: ${img.getAttribute('src')} (a cell: mystnb: figure: caption; ` +
     `an image file: the {figure} directive)`];
})"""

MATH_JS = """async () => {
  const maths = Array.from(document.querySelectorAll('.math'));
  if (maths.length === 0) return {count: 0, problems: []};
  const deadline = Date.now() + 20000;
  while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
    if (Date.now() > deadline) return {count: maths.length, problems: ['MathJax never started']};
    await new Promise(r => setTimeout(r, 100));
  }
  await MathJax.startup.promise;
  const problems = [];
  const short = m => m.textContent.trim().slice(0, 80);
  for (const m of maths) {
    if (!m.querySelector('mjx-container')) problems.push(`math not typeset: ${short(m)}`);
    for (const err of m.querySelectorAll('mjx-merror'))
      problems.push(`TeX error "${err.getAttribute('data-mjx-error') || err.textContent}" in ${short(m)}`);
  }
  // MathJax shows an undefined macro as red text rather than an error (noundefined).
  for (const item of MathJax.startup.document.math) {
    const mml = MathJax.startup.toMML(item.root);
    for (const hit of mml.matchAll(/<mtext mathcolor="red">(\\\\[A-Za-z]+)<\\/mtext>/g))
      problems.push(`undefined TeX macro ${hit[1]} in ${String(item.math).slice(0, 80)}`);
  }
  return {count: maths.length, version: MathJax.version, problems};
}"""

OVERFLOW_JS = """() => {
  const article = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const limit = article.getBoundingClientRect().right + 1;
  const problems = [];
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth}px wide in a ${window.innerWidth}px window`);
  const scrolls = el => {
    for (let a = el; a && a !== article.parentElement; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if ((o === 'auto' || o === 'scroll') && a.getBoundingClientRect().right <= limit) return true;
    }
    return false;
  };
  const selector = 'div.cell_input, div.cell_output, pre, table, img, mjx-container[display="true"]';
  for (const el of article.querySelectorAll(selector)) {
    if (el.offsetParent === null) continue;  // hidden (a closed dropdown)
    if (el.getBoundingClientRect().right > limit && !scrolls(el)) {
      const what = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
      problems.push(`${what} is wider than the page and does not scroll: ${el.textContent.trim().slice(0, 60)}`);
    }
  }
  return problems;
}"""

AXE_JS_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return {version: axe.version, violations: result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')), count: v.nodes.length}))};
}"""


def _screenshot_name(page_path: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "__", page_path.removesuffix(".html")) + ".png"


def _open_solutions(page) -> list[str]:
    """Click every solution's toggle button; each must reveal its solution."""
    problems = []
    solutions = page.locator("div.solution.dropdown")
    for i in range(solutions.count()):
        solution = solutions.nth(i)
        body = solution.locator(":scope > :not(.admonition-title)").first
        button = solution.locator("button.toggle-button").first
        if button.count() == 0:
            problems.append(f"solution {i + 1} has no toggle button")
            continue
        if body.is_visible():
            problems.append(f"solution {i + 1} is open before it is clicked")
            continue
        button.click()
        try:
            body.wait_for(state="visible", timeout=3000)
        except Exception:  # noqa: BLE001 (playwright's TimeoutError)
            problems.append(f"solution {i + 1} does not open when its toggle is clicked")
            continue
        if button.get_attribute("aria-expanded") != "true":
            problems.append(f"solution {i + 1} opens but its button does not say so (aria-expanded)")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("page_path", PAGES)
def test_page(page_path, browser, base_url, axe_source, shots):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    record = Recorder(page, base_url)
    problems: list[str] = []
    try:
        page.goto(base_url + page_path, wait_until="load")
        math = page.evaluate(MATH_JS)
        problems += math["problems"]
        problems += page.evaluate(IMAGES_JS)
        if page_path not in SPHINX_PAGES:
            problems += page.evaluate(CAPTIONS_JS)
        problems += _open_solutions(page)
        problems += page.evaluate(OVERFLOW_JS)

        page.add_script_tag(content=axe_source)
        axe = page.evaluate(AXE_JS_RUN)
        for v in axe["violations"]:
            if v["impact"] in AXE_FAIL:
                problems.append(f"axe {v['impact']} {v['id']}: {v['help']} ({v['count']} elements, "
                                f"e.g. {'; '.join(v['targets'])})")

        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(shots / _screenshot_name(page_path)), full_page=True)

        # Readers can switch to dark mode: its colours must pass too.
        page.evaluate("() => { document.documentElement.dataset.theme = 'dark';"
                      " document.documentElement.dataset.mode = 'dark'; }")
        page.wait_for_timeout(300)
        dark = page.evaluate(AXE_JS_RUN.replace("{resultTypes: ['violations']}",
                                                "{resultTypes: ['violations'], runOnly: ['color-contrast']}"))
        for v in dark["violations"]:
            if v["impact"] in AXE_FAIL:
                problems.append(f"dark mode: axe {v['impact']} {v['id']}: {v['help']} ({v['count']} elements, "
                                f"e.g. {'; '.join(v['targets'])})")

        page.set_viewport_size(PHONE)
        page.wait_for_timeout(200)
        problems += [f"on a phone: {p}" for p in page.evaluate(OVERFLOW_JS)]
        problems += record.problems
    finally:
        context.close()
    assert not problems, f"{page_path}:\n  " + "\n  ".join(dict.fromkeys(problems))


def test_the_checks_have_something_to_check():
    """The per-page checks pass vacuously on a site without solutions, math or figures."""
    _require_site()
    texts = {p: (SITE / p).read_text(encoding="utf-8") for p in PAGES}
    assert any('class="solution dropdown' in t for t in texts.values()), "no page has a solution toggle"
    assert any('class="math' in t for t in texts.values()), "no page has math"
    assert any("<figcaption" in t for t in texts.values()), "no page has a figure"


@pytest.mark.slow
def test_search_finds_eblup(browser, base_url):
    page = browser.new_page(viewport=DESKTOP)
    record = Recorder(page, base_url)
    try:
        page.goto(base_url + "search.html?q=EBLUP")
        page.wait_for_selector("#search-results p.search-summary:has-text('Search finished')", timeout=15000)
        results = page.locator("#search-results ul.search li a")
        titles = [results.nth(i).inner_text() for i in range(results.count())]
        summary = page.locator("#search-results p.search-summary").inner_text()
        problems = record.problems
    finally:
        page.close()
    assert titles, f"the search page finds nothing for EBLUP: {summary}"
    assert not problems, problems


@pytest.mark.slow
def test_root_redirects_without_errors(browser, base_url):
    page = browser.new_page(viewport=DESKTOP)
    record = Recorder(page, base_url)
    try:
        page.goto(base_url)
        page.wait_for_url(re.compile(r".*/[^/]+\.html$"), timeout=10000)
        page.wait_for_load_state("networkidle")
        landed = page.url
        problems = record.problems
    finally:
        page.close()
    assert landed != base_url
    assert not problems, problems


#: One macro from each TeX extension MathJax 3 loads on first use (autoload): each must be served.
AUTOLOADED_TEX = {
    "action": r"\texttip{x}{a tip}",
    "amscd": r"\begin{CD} A @>f>> B \end{CD}",
    "bbox": r"\bbox[2pt]{y}",
    "boldsymbol": r"\boldsymbol{\beta}",
    "braket": r"\braket{\phi|\psi}",
    "bussproofs": r"\begin{prooftree}\AxiomC{A}\UnaryInfC{B}\end{prooftree}",
    "cancel": r"\cancel{x}",
    "color": r"\textcolor{blue}{z}",
    "enclose": r"\enclose{circle}{w}",
    "extpfeil": r"\xmapsto{f}",
    "html": r"\class{c}{x}",
    "mhchem": r"\ce{H2O}",
    "newcommand": r"\newcommand{\vecb}{\boldsymbol{b}} \vecb",
    "unicode": r"\unicode{x263A}",
    "verb": r"\verb|x_1|",
}


@pytest.mark.slow
def test_mathjax_autoloads_tex_extensions_offline(browser, base_url):
    page_path = next((p for p in PAGES if 'class="math' in (SITE / p).read_text(encoding="utf-8")), None)
    if page_path is None:
        pytest.skip("no page has math")
    page = browser.new_page(viewport=DESKTOP)
    record = Recorder(page, base_url)
    try:
        page.goto(base_url + page_path)
        page.evaluate(MATH_JS)
        errors = page.evaluate("""async (sources) => {
          const out = [];
          for (const [extension, tex] of Object.entries(sources)) {
            const node = await MathJax.tex2chtmlPromise(tex, {display: false});
            const err = node.querySelector('mjx-merror');
            const mml = await MathJax.tex2mmlPromise(tex);
            if (err) out.push(`${extension}: ${tex}: ${err.getAttribute('data-mjx-error') || err.textContent}`);
            else if (/<mtext mathcolor="red">\\\\/.test(mml)) out.push(`${extension}: ${tex}: undefined macro`);
          }
          return out;
        }""", AUTOLOADED_TEX)
        page.wait_for_load_state("networkidle")
        problems = record.problems
    finally:
        page.close()
    assert not errors, errors
    assert not problems, problems
