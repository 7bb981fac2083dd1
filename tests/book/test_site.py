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
extensions that autoload are all served. And the reader's experience (issue 19):

- the menu button opens the chapter list at 390 and 800 px, and a link in it navigates;
  on a desktop it hides and shows the sidebar, and there is one search box;
- every figure's smallest text renders at least as large as the page's small print, on a
  desktop and a phone; code lines fit the column (88 characters) on a desktop;
- quizzes mark an opened answer right or wrong (colour, icon, words for screen readers;
  light and dark mode pass axe) and keep a score;
- the shrinkage explorer, moved by the keyboard, plots lambda = tau^2/(tau^2 + sigma^2/n_j);
- the status page is last, under "For maintainers", in words not emoji; the download menu
  offers the student notebook, not the MyST source; the home page says where to start.

Screenshots of the phone menu, a two-panel figure on a phone and a quiz are kept in the
screenshots folder (``phone-navigation.png``, ``two-panel-figure-phone.png``, ``quiz.png``).

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
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
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
        pytest.fail(
            f"{CHROMIUM} is missing: run `bash tools/browser_deps.sh` as root, or "
            "`sudo apt-get update && sudo apt-get install -y chromium`"
        )
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
                problems.append(
                    f"axe {v['impact']} {v['id']}: {v['help']} ({v['count']} elements, "
                    f"e.g. {'; '.join(v['targets'])})"
                )

        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(shots / _screenshot_name(page_path)), full_page=True)

        # Readers can switch to dark mode: its colours must pass too.
        page.evaluate(
            "() => { document.documentElement.dataset.theme = 'dark';"
            " document.documentElement.dataset.mode = 'dark'; }"
        )
        page.wait_for_timeout(300)
        dark = page.evaluate(
            AXE_JS_RUN.replace(
                "{resultTypes: ['violations']}", "{resultTypes: ['violations'], runOnly: ['color-contrast']}"
            )
        )
        for v in dark["violations"]:
            if v["impact"] in AXE_FAIL:
                problems.append(
                    f"dark mode: axe {v['impact']} {v['id']}: {v['help']} ({v['count']} elements, "
                    f"e.g. {'; '.join(v['targets'])})"
                )

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
        errors = page.evaluate(
            """async (sources) => {
          const out = [];
          for (const [extension, tex] of Object.entries(sources)) {
            const node = await MathJax.tex2chtmlPromise(tex, {display: false});
            const err = node.querySelector('mjx-merror');
            const mml = await MathJax.tex2mmlPromise(tex);
            if (err) out.push(`${extension}: ${tex}: ${err.getAttribute('data-mjx-error') || err.textContent}`);
            else if (/<mtext mathcolor="red">\\\\/.test(mml)) out.push(`${extension}: ${tex}: undefined macro`);
          }
          return out;
        }""",
            AUTOLOADED_TEX,
        )
        page.wait_for_load_state("networkidle")
        problems = record.problems
    finally:
        page.close()
    assert not errors, errors
    assert not problems, problems


# The reader's experience (issue 19) --------------------------------------------------------------

#: Chapters allowed code lines wider than 88 characters (they would scroll inside the code
#: box); keep it empty.
LONG_CODE_PENDING: set[str] = set()
#: The page column's line length for code (the team's style guide).
CODE_LINE = 88

FIGURES_JS = """() => {
  // The page's small print: the smallest text the book sets on purpose (plain-text output).
  const probe = document.querySelector('div.cell_output .output.text_plain pre, div.cell_output .output.stream pre');
  const root = parseFloat(getComputedStyle(document.documentElement).fontSize);
  const small = probe ? parseFloat(getComputedStyle(probe).fontSize) : 0.72 * root;
  const figures = Array.from(document.querySelectorAll('article.bd-article div.cell_output figure img, article.bd-article figure div.cell_output img'))
    .filter(img => /\\.png$/i.test(img.getAttribute('src') || ''))
    .map(img => ({src: img.getAttribute('src'), natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
                  visible: img.offsetParent !== null}));
  return {small, figures};
}"""


def _png_dpi(site_page: Path, src: str) -> float:
    from PIL import Image

    with Image.open((site_page.parent / src).resolve()) as image:
        return float(image.info.get("dpi", (100, 100))[0])


def _figure_text_problems(page, page_path: str, where: str) -> list[str]:
    """Every figure's smallest text, as rendered, is at least the page's small print.

    The chapters draw in ``helpers.display.book_style()``: no text under
    ``SMALLEST_TEXT_PT`` points. Rendered, a point is dpi/72 image pixels, and an image
    pixel is (shown width / natural width) CSS pixels.
    """
    from helpers.display import SMALLEST_TEXT_PT

    found = page.evaluate(FIGURES_JS)
    problems = []
    for fig in found["figures"]:
        if not fig["visible"] or not fig["natural"]:
            continue
        dpi = _png_dpi(SITE / page_path, fig["src"])
        text_px = SMALLEST_TEXT_PT * dpi / 72 * fig["shown"] / fig["natural"]
        if text_px < found["small"] - 0.05:
            problems.append(
                f"{where}: figure {fig['src']} is {fig['natural']} px wide, shown at {fig['shown']:.0f} px: "
                f"its smallest text renders at {text_px:.1f} px, under the page's small print "
                f"({found['small']:.1f} px); draw it narrower (helpers.display.FIGURE_WIDTH) or stack its panels"
            )
    return problems


#: A two-panel figure photographed on a phone for the screenshots folder.
TWO_PANEL_SHOT = ("chapters/diagnostics.html", "#fig-diag-level1", "two-panel-figure-phone.png")


@pytest.mark.slow
@pytest.mark.parametrize("page_path", [p for p in PAGES if p.startswith("chapters/")])
def test_figures_are_legible(page_path, browser, base_url, shots):
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(base_url + page_path, wait_until="load")
        page.evaluate(IMAGES_JS)  # every image decoded
        problems = _figure_text_problems(page, page_path, "desktop")
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(200)
        problems += _figure_text_problems(page, page_path, "phone")
        if page_path == TWO_PANEL_SHOT[0]:
            page.locator(TWO_PANEL_SHOT[1]).screenshot(path=str(shots / TWO_PANEL_SHOT[2]))
        # Code within the column on a desktop: 88 characters fit without scrolling.
        if Path(page_path).stem not in LONG_CODE_PENDING:
            page.set_viewport_size(DESKTOP)
            page.wait_for_timeout(200)
            wide = page.evaluate("""() => Array.from(document.querySelectorAll('div.cell_input pre'))
              .filter(p => p.offsetParent !== null && p.scrollWidth > p.clientWidth + 1)
              .map(p => p.textContent.split('\\n').reduce((a, l) => l.length > a.length ? l : a, ''))""")
            problems += [f"desktop: a code line scrolls sideways: {line!r}" for line in wide]
    finally:
        page.close()
    assert not problems, f"{page_path}:\n  " + "\n  ".join(problems)


def test_code_lines_fit_the_column():
    """Chapters' visible code lines are at most 88 characters (the CSS fits 88 to the column)."""
    import jupytext

    from tests.book.chapter_notebooks import chapter_paths

    long = []
    for path in chapter_paths():
        if path.stem in LONG_CODE_PENDING:
            continue
        for cell in jupytext.read(path).cells:
            tags = cell.metadata.get("tags", [])
            if cell.cell_type != "code" or "remove-cell" in tags or "remove-input" in tags:
                continue
            long += [
                f"{path.name}: {len(line)} characters: {line.strip()[:70]}"
                for line in cell.source.splitlines()
                if len(line) > CODE_LINE
            ]
    assert not long, "code lines wider than the column:\n  " + "\n  ".join(long)


def _sidebar_link_visible(page):
    return page.locator("#pst-primary-sidebar-modal nav a.reference.internal").filter(has_text="Estimation")


@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 800])
def test_phone_menu_opens_and_navigates(browser, base_url, shots, width):
    page = browser.new_page(viewport={"width": width, "height": 844})
    record = Recorder(page, base_url)
    try:
        page.goto(base_url + "chapters/why.html", wait_until="load")
        button = page.locator(".bd-header-article .primary-toggle").first
        assert button.is_visible(), "no visible menu button on a narrow screen"
        button.click()
        dialog = page.locator("#pst-primary-sidebar-modal")
        dialog.wait_for(state="visible", timeout=3000)
        link = _sidebar_link_visible(page).first
        link.wait_for(state="visible", timeout=3000)
        box = dialog.bounding_box()
        assert box and box["x"] >= -1 and box["width"] > 150, f"the menu is off-screen: {box}"
        if width == 390:
            page.screenshot(path=str(shots / "phone-navigation.png"))
        link.click()
        page.wait_for_url(re.compile(r".*/chapters/estimate\.html"), timeout=5000)
        problems = record.problems
    finally:
        page.close()
    assert not problems, problems


@pytest.mark.slow
def test_desktop_menu_button_hides_the_sidebar_and_one_search_box(browser, base_url):
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(base_url + "chapters/why.html", wait_until="load")
        sidebar = page.locator("#pst-primary-sidebar")
        assert sidebar.is_visible()
        searches = page.locator(".search-button-field, .search-button")
        visible = [i for i in range(searches.count()) if searches.nth(i).is_visible()]
        assert len(visible) == 1, f"{len(visible)} search boxes on a desktop page"
        button = page.locator(".bd-header-article .primary-toggle").first
        button.click()
        page.wait_for_timeout(200)
        assert not sidebar.is_visible(), "the menu button does not hide the sidebar on a desktop"
        assert button.get_attribute("aria-expanded") == "false"
        button.click()
        page.wait_for_timeout(200)
        assert sidebar.is_visible() and button.get_attribute("aria-expanded") == "true"
    finally:
        page.close()


def test_status_page_is_last_under_maintainers_without_emoji():
    _require_site()
    html = (SITE / "chapters" / "why.html").read_text(encoding="utf-8")
    nav = html[html.index("bd-docs-nav") :]
    captions = re.findall(
        r'<p aria-level="2" class="caption" role="heading"><span class="caption-text">([^<]+)<', nav
    )
    assert captions and captions[-1] == "For maintainers", captions
    assert nav.rindex("status.html") > nav.rindex(captions[-1])
    status = (SITE / "chapters" / "status.html").read_text(encoding="utf-8")
    for emoji in ("\u2705", "\u274c", "\u26a0"):
        assert emoji not in status, f"the status page still uses the emoji {emoji!r}"
    assert ">passed<" in status


def test_download_menu_offers_the_student_notebook_not_the_md_source():
    _require_site()
    html = (SITE / "chapters" / "estimate.html").read_text(encoding="utf-8")
    assert "_sources/chapters/estimate.md" not in html, "the .md source is still offered for download"
    assert "notebooks/student/estimate.ipynb" in html


def test_home_page_says_where_to_start():
    _require_site()
    html = (SITE / "chapters" / "intro.html").read_text(encoding="utf-8")
    assert 'id="start-here"' in html
    start = html[html.index('id="start-here"') : html.index('id="what-you-will-learn"')]
    assert 'href="../course-pack.zip"' in start and "requirements.txt" in start and "jupyter" in start
    for chapter in ("why", "estimate", "ess", "hsb", "exam", "sleepstudy", "from-r", "instructor"):
        assert f'href="{chapter}.html' in html, f"the home page does not list {chapter}"


QUIZ_STATE_JS = """(i) => {
  const quiz = document.querySelectorAll('div.quiz')[i];
  return Array.from(quiz.querySelectorAll('details')).map(d => ({
    cls: d.className, mark: (d.querySelector('.quiz-mark') || {}).textContent || '',
    words: (d.querySelector('.quiz-mark-text') || {}).textContent || '',
    border: getComputedStyle(d).borderTopColor}));
}"""


@pytest.mark.slow
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_quiz_marks_right_and_wrong_and_keeps_a_score(browser, base_url, axe_source, shots, theme):
    page = browser.new_page(viewport=PHONE)
    record = Recorder(page, base_url)
    try:
        page.goto(base_url + "chapters/why.html", wait_until="load")
        if theme == "dark":
            page.evaluate(
                "() => { document.documentElement.dataset.theme = 'dark';"
                " document.documentElement.dataset.mode = 'dark'; }"
            )
        quizzes = page.locator("div.quiz")
        n = quizzes.count()
        assert n >= 2
        score = page.locator("p.quiz-score").first
        assert score.get_attribute("role") == "status"
        assert f"0 of {n}" in score.inner_text()
        # Question 1: a wrong answer first, then the right one.
        answers = quizzes.nth(0).locator("details")
        texts = [answers.nth(i).locator("p").first.text_content() for i in range(answers.count())]
        right = next(i for i, t in enumerate(texts) if t.strip().startswith("Right"))
        wrong = next(i for i, t in enumerate(texts) if not t.strip().startswith("Right"))
        answers.nth(wrong).locator("summary").click()
        answers.nth(right).locator("summary").click()
        # Question 2: right at once.
        answers2 = quizzes.nth(1).locator("details")
        texts2 = [answers2.nth(i).locator("p").first.text_content() for i in range(answers2.count())]
        answers2.nth(next(i for i, t in enumerate(texts2) if t.strip().startswith("Right"))).locator(
            "summary"
        ).click()
        page.wait_for_timeout(200)
        state = page.evaluate(QUIZ_STATE_JS, 0)
        assert "quiz-wrong" in state[wrong]["cls"] and state[wrong]["mark"] == "\u2717"
        assert state[wrong]["words"].startswith("Wrong answer")
        assert "quiz-right" in state[right]["cls"] and state[right]["mark"] == "\u2713"
        assert state[right]["words"].startswith("Right answer")
        assert state[right]["border"] != state[wrong]["border"], "right and wrong look the same"
        text = score.inner_text()
        assert f"Score: 1 of {n} right at the first try (2 of {n} answered)" in text, text
        # The last question: a wrong answer; the score then counts every question.
        last = quizzes.nth(n - 1).locator("details")
        texts3 = [last.nth(i).locator("p").first.text_content() for i in range(last.count())]
        last.nth(next(i for i, t in enumerate(texts3) if not t.strip().startswith("Right"))).locator(
            "summary"
        ).click()
        page.wait_for_timeout(200)
        text = score.inner_text()
        assert f"Score: 1 of {n} right at the first try ({min(n, 3)} of {n} answered)" in text, text
        if theme == "light":
            page.evaluate("() => document.querySelector('p.quiz-score').scrollIntoView({block: 'end'})")
            page.screenshot(path=str(shots / "quiz.png"))
        page.add_script_tag(content=axe_source)
        axe = page.evaluate(AXE_JS_RUN.replace("axe.run(document,", "axe.run('div.quiz, p.quiz-score',"))
        serious = [v for v in axe["violations"] if v["impact"] in AXE_FAIL]
        problems = record.problems
    finally:
        page.close()
    assert not serious, serious
    assert not problems, problems


EXPLORER_JS = """() => {
  const box = document.querySelector('div.shrinkage-explorer.shrinkage-ready');
  if (!box) return null;
  const v = k => +box.querySelector(`input[name="${k}"]`).value;
  const dot = box.querySelector('circle.shrinkage-eblup');
  const at = sel => +box.querySelector(sel + ' line').getAttribute('x1');
  return {tau2: v('tau2'), sigma2: v('sigma2'), n: v('n'), lambda: +box.dataset.lambda,
          eblup: +box.dataset.eblup, overall: +box.dataset.overallMean, cluster: +box.dataset.clusterMean,
          cx: +dot.getAttribute('cx'), x_overall: at('.shrinkage-overall'), x_cluster: at('.shrinkage-cluster'),
          formula: box.querySelector('.shrinkage-formula').textContent};
}"""


def _check_explorer(state) -> list[str]:
    lam = state["tau2"] / (state["tau2"] + state["sigma2"] / state["n"])
    problems = []
    if abs(state["lambda"] - lam) > 1e-9:
        problems.append(f"lambda {state['lambda']} is not tau2/(tau2 + sigma2/n) = {lam}")
    eblup = state["overall"] + lam * (state["cluster"] - state["overall"])
    if abs(state["eblup"] - eblup) > 1e-9:
        problems.append(f"EBLUP {state['eblup']} is not {eblup}")
    # The plotted point: the same share of the way from the overall to the cluster mean.
    share = (state["cx"] - state["x_overall"]) / (state["x_cluster"] - state["x_overall"])
    if abs(share - lam) > 1e-6:
        problems.append(f"the plotted EBLUP sits {share:.4f} of the way, the formula says {lam:.4f}")
    if f"{lam:.3f}" not in state["formula"]:
        problems.append(f"the formula line does not show lambda {lam:.3f}: {state['formula']}")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_shrinkage_explorer_follows_the_formula(browser, base_url, viewport):
    page = browser.new_page(viewport=viewport)
    record = Recorder(page, base_url)
    try:
        page.goto(base_url + "chapters/estimate.html", wait_until="load")
        start = page.evaluate(EXPLORER_JS)
        assert start is not None, "no working shrinkage explorer on the Estimation page"
        problems = _check_explorer(start)
        states = [start]
        # Keyboard: each slider is reached by its label and moved with the arrow keys.
        for label, key, times in [
            ("cluster size", "ArrowRight", 20),
            ("cluster variance", "ArrowRight", 30),
            ("residual variance", "ArrowLeft", 10),
            ("cluster size", "End", 1),
        ]:
            slider = page.get_by_label(re.compile(label))
            slider.focus()
            for _ in range(times):
                page.keyboard.press(key)
            state = page.evaluate(EXPLORER_JS)
            problems += [f"after {label} {key}: {p}" for p in _check_explorer(state)]
            states.append(state)
        lams = [s["lambda"] for s in states]
        # More students, more cluster variance, less noise: each moves the EBLUP towards the cluster mean.
        if not (lams[1] > lams[0] and lams[2] > lams[1] and lams[3] > lams[2] and lams[4] > lams[3]):
            problems.append(f"lambda does not grow as the sliders say it must: {lams}")
        if not (states[-1]["n"] > start["n"]):
            problems.append("the End key did not move the size slider")
        problems += page.evaluate(OVERFLOW_JS)
        problems += record.problems
    finally:
        page.close()
    assert not problems, "\n".join(problems)


def test_every_quiz_question_has_one_right_answer():
    """quiz.js marks the answer whose feedback starts "Right" as right: there must be one."""
    from tests.book.chapter_notebooks import ROOT as BOOK

    bad = []
    for path in sorted((BOOK / "chapters").glob("*.md")):
        for block in re.findall(r'<div class="quiz">(.*?)</div>', path.read_text(encoding="utf-8"), re.S):
            feedback = re.findall(r"</summary>\s*<p>(.*?)</p>", block, re.S)
            right = [f for f in feedback if re.match(r"\s*(Right|Correct)\b", f)]
            if len(feedback) < 2 or len(right) != 1:
                bad.append(f"{path.name}: {len(right)} right of {len(feedback)}: {block.strip()[:80]}")
    assert not bad, "quiz questions need exactly one answer whose feedback starts 'Right':\n  " + "\n  ".join(
        bad
    )


@pytest.mark.slow
def test_styled_tables_have_cell_padding(browser, base_url):
    """pandas Styler tables (the three-model comparison in Specifying) get room between numbers."""
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(base_url + "chapters/specify.html", wait_until="load")
        pads = page.evaluate("""() => Array.from(document.querySelectorAll(
            'div.cell_output table[id^="T_"] td')).slice(0, 20).map(td => {
              const s = getComputedStyle(td); return parseFloat(s.paddingLeft) + parseFloat(s.paddingRight); })""")
    finally:
        page.close()
    assert pads, "no Styler table on the Specifying page"
    assert min(pads) >= 12, f"Styler table cells without padding: {pads}"
