"""The built website, read as files (no browser): links resolve and nothing comes from outside.

- every internal link and cross-reference (``<a href>``, ``<link href>``, ``<img src>``,
  ``<script src>``, ...) points at a file of the site, and its ``#fragment`` at an element
  of that page;
- no page or stylesheet loads anything from another host (no CDN script, font or style),
  and no page carries analytics;
- math is set by the MathJax copy inside the site;
- every page has our favicon, and the favicon and logo are the ones their scripts draw;
- the status page says when the site was built.

The site is ``$BOOK_SITE`` or ``_build/html`` (see :mod:`tests.book.site_server`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sys
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from tests.book.site_server import ROOT, html_pages, site_dir, site_required

SITE = site_dir()
PAGES = html_pages(SITE)

#: Attributes that hold a URL, by tag.
URL_ATTRS = {
    "a": ["href"],
    "area": ["href"],
    "link": ["href"],
    "img": ["src"],
    "script": ["src"],
    "source": ["src"],
    "iframe": ["src"],
    "video": ["src", "poster"],
    "audio": ["src"],
    "embed": ["src"],
    "object": ["data"],
    "form": ["action"],
}
#: A link to another site is fine for a reader to follow; loading a resource from one is not.
FOLLOWED = {"a", "area"}
#: <link rel=...> values that only name a page (not loaded by the browser on its own).
NAMING_RELS = {"canonical", "index", "search", "next", "prev", "author", "license", "alternate", "help"}
ANALYTICS = re.compile(
    r"googletagmanager|google-analytics|gtag\(|plausible\.io|matomo|mixpanel|segment\.io", re.IGNORECASE
)
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""", re.IGNORECASE)


@pytest.fixture(scope="module", autouse=True)
def _site():
    if not (SITE / "index.html").exists():
        message = f"no built site at {SITE}: build the book first (make book), or set BOOK_SITE"
        if site_required():
            pytest.fail(message)
        pytest.skip(message)


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.urls: list[tuple[str, str, str, dict]] = []  # (tag, attribute, url, attributes)
        self.icons: list[str] = []
        self.math = False
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {k: (v or "") for k, v in attrs}
        for key in ("id", "name") if tag == "a" else ("id",):
            if attributes.get(key):
                self.ids.add(attributes[key])
        for attr in URL_ATTRS.get(tag, []):
            if attributes.get(attr, "").strip():
                self.urls.append((tag, attr, attributes[attr].strip(), attributes))
        if tag == "link" and "icon" in attributes.get("rel", "").split():
            self.icons.append(attributes.get("href", ""))
        if tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"])
        if "math" in attributes.get("class", "").split():
            self.math = True

    handle_startendtag = handle_starttag


@functools.lru_cache(maxsize=None)
def parse(rel: str) -> _Page:
    page = _Page()
    page.feed((SITE / rel).read_text(encoding="utf-8"))
    page.close()
    return page


def _external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme not in {"", "file"}


def _target(page_rel: str, url: str) -> tuple[str, str]:
    """(path relative to the site, fragment) of an internal URL on page ``page_rel``."""
    joined = urljoin("http://site/" + page_rel, url)
    parts = urlsplit(joined)
    path = unquote(parts.path).lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    return path, unquote(parts.fragment)


def test_site_has_pages():
    assert "index.html" in PAGES and "search.html" in PAGES
    assert any(p.startswith("chapters/") for p in PAGES), PAGES


def test_internal_links_and_cross_references_resolve():
    broken = []
    checked = 0
    for rel in PAGES:
        for tag, attr, url, _ in parse(rel).urls:
            if url.startswith(("mailto:", "tel:", "javascript:", "data:")) or _external(url):
                continue
            path, fragment = _target(rel, url)
            checked += 1
            file = SITE / path
            if not file.is_file():
                broken.append(f"{rel}: <{tag} {attr}={url!r}>: no file {path}")
                continue
            if fragment and fragment != "top" and file.suffix == ".html":
                if fragment not in parse(path).ids:
                    broken.append(f"{rel}: <{tag} {attr}={url!r}>: no element id={fragment!r} in {path}")
    assert checked > 0
    assert not broken, f"{len(broken)} broken links:\n  " + "\n  ".join(broken[:60])


def test_nothing_is_loaded_from_another_host():
    outside = []
    for rel in PAGES:
        for tag, attr, url, attributes in parse(rel).urls:
            if tag in FOLLOWED or not _external(url) or url.startswith("data:"):
                continue
            if tag == "link" and set(attributes.get("rel", "").split()) <= NAMING_RELS:
                continue
            outside.append(f"{rel}: <{tag} {attr}={url!r}>")
    for css in sorted((SITE / "_static").rglob("*.css")):
        for url in CSS_URL.findall(css.read_text(encoding="utf-8", errors="replace")):
            outside.append(f"{css.relative_to(SITE)}: url({url})")
    assert not outside, "loaded from another host:\n  " + "\n  ".join(outside)


def test_no_analytics():
    found = [
        f"{rel}: {m.group(0)}"
        for rel in PAGES
        for m in ANALYTICS.finditer((SITE / rel).read_text(encoding="utf-8"))
    ]
    assert not found, found


def test_math_uses_the_mathjax_inside_the_site():
    pages_with_math = [rel for rel in PAGES if parse(rel).math]
    assert pages_with_math, "no page has math: the check would prove nothing"
    for rel in pages_with_math:
        mathjax = [s for s in parse(rel).scripts if "mathjax" in s.lower()]
        assert mathjax, f"{rel} has math but loads no MathJax"
        for src in mathjax:
            assert not _external(src), f"{rel} loads MathJax from {src}"
            path, _ = _target(rel, src.split("?")[0])
            assert (SITE / path).is_file(), f"{rel}: {src} is not in the site"
    # The whole tree is there: TeX extensions that autoload, and the fonts.
    tree = SITE / "_static" / "mathjax"
    for part in [
        "input/tex/extensions/boldsymbol.js",
        "input/tex/extensions/mhchem.js",
        "output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",
    ]:
        assert (tree / part).is_file(), f"the site's MathJax lacks {part}"


def test_every_page_has_our_favicon():
    for rel in PAGES:
        icons = parse(rel).icons
        assert icons, f"{rel} has no <link rel=icon> (the browser would ask for /favicon.ico)"
        for href in icons:
            path, _ = _target(rel, href.split("?")[0])
            assert path == "_static/favicon.svg", f"{rel}: icon {href}"
    assert (SITE / "_static" / "favicon.svg").read_text() == (
        ROOT / "_ext/mlmbook/static/favicon.svg"
    ).read_text()


def test_favicon_and_logo_are_drawn_by_their_scripts():
    sys.path.insert(0, str(ROOT / "figures"))
    try:
        import make_favicon
        import make_logo
    finally:
        sys.path.remove(str(ROOT / "figures"))
    assert (ROOT / "_ext/mlmbook/static/favicon.svg").read_text() == make_favicon.favicon_svg()
    assert (ROOT / "figures/logo.svg").read_text() == make_logo.logo_svg()


def test_status_page_says_when_the_site_was_built():
    status = SITE / "chapters" / "status.html"
    text = status.read_text(encoding="utf-8")
    match = re.search(r'<p class="book-last-built">Last built: (\d{4}-\d\d-\d\d \d\d:\d\d) UTC', text)
    assert match, "chapters/status.html has no 'Last built' stamp"
    stamp = dt.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=dt.timezone.utc)
    written = dt.datetime.fromtimestamp(status.stat().st_mtime, tz=dt.timezone.utc)
    # The page is re-read on every build, so the stamp is this build's (a build takes minutes).
    assert written - dt.timedelta(hours=1) <= stamp <= written + dt.timedelta(minutes=1), (stamp, written)
