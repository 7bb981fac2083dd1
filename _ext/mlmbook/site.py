"""Sphinx extension: the book's website works offline and in a real browser.

Loaded from ``_config.yml`` (``sphinx: extra_extensions: [mlmbook.site]``).
Jupyter Book 1.x's defaults fail a browser in several ways; this extension fixes
them at their source, so that the browser test (``tests/book/test_site.py``) can be
strict:

- **MathJax offline.** Loads the pinned ``sphinx-mathjax-offline`` package, which
  points ``mathjax_path`` at a complete MathJax 3 tree (TeX extensions that
  autoload included) copied into the built site. It is copied after the build,
  never put on a static path: Jupyter Book injects every ``.js`` file on a static
  path into every page.
- **No duplicated inline scripts.** Sphinx 7.4 adds a script registered after the
  builder started both from its registry and directly, and its duplicate check
  misses inline scripts (``filename=None``). sphinx-thebe's
  ``const THEBE_JS_URL = ...`` then appears twice and every page logs
  "Identifier 'THEBE_JS_URL' has already been declared". Each page's scripts and
  stylesheets are de-duplicated here.
- **No thebe when thebe is off.** With ``launch_buttons: thebe: false`` nothing
  on the page uses thebe, so its scripts (which name a CDN), stylesheet and
  per-page configuration are left out.
- **Accessible markup.** Two of pydata-sphinx-theme's buttons get labels that match
  their visible text (template overrides in ``_ext/mlmbook/templates``), and
  citation lists mark their entries ``listitem`` (docutils writes
  ``role="doc-biblioentry"`` inside ``role="list"``, an ARIA error axe rates
  critical).
- **A theme mode.** pydata-sphinx-theme logs ``Got invalid theme mode`` when
  ``default_mode`` is empty; it is set to ``light`` unless configured (readers
  can still switch).
- **The book's own look.** ``_ext/mlmbook/static`` (stylesheet ``book.css``, favicon)
  is added as a static path.
- **A root page with an icon.** The redirect ``index.html`` written for a book
  whose root page is not ``index`` has no icon link, so browsers ask for
  ``/favicon.ico`` and get a 404; it is rewritten as a small complete page.
- **Words, not emoji.** myst-nb's execution table (the status page) marks chapters
  with emoji check marks, which need an emoji font; they become "passed"/"failed".
- **Scripts of the book's own** (``_ext/mlmbook/static``): the menu button on phones
  and desktops (``sidebar-toggle.js``, upstream pydata-sphinx-theme#2451), quiz marks and
  scores (``quiz.js``), the shrinkage explorer (``shrinkage-explorer.js``).
- **A "last built" stamp.** The ``{last-built}`` directive writes when (and from
  which commit) the site was built. Pages that use it are re-read on every build
  so the stamp never goes stale.
"""

from __future__ import annotations

import datetime as _dt
import html
import os
import subprocess
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CSS_FILE = "book.css"
FAVICON = "favicon.svg"
MATHJAX_ENTRY = "mathjax/tex-chtml.js"
#: Marks the root redirect page written here, so a rebuild may rewrite it.
REDIRECT_MARK = "<!-- root redirect written by mlmbook.site -->"
#: Priority of the clean-up handlers: after every other extension's (default 500).
LATE = 900


# --------------------------------------------------------------------------- config


def _thebe_enabled(config) -> bool:
    launch = (config.html_theme_options or {}).get("launch_buttons") or {}
    return bool(launch.get("thebe"))


def _configure(app: Sphinx, config) -> None:
    """Static path, favicon and theme mode; run once the configuration is read."""
    static = str(STATIC_DIR)
    if static not in [str(Path(app.confdir, p)) for p in config.html_static_path]:
        config.html_static_path.append(static)
    if str(TEMPLATES_DIR) not in config.templates_path:
        config.templates_path.insert(0, str(TEMPLATES_DIR))
    if not config.html_favicon:
        config.html_favicon = str(STATIC_DIR / FAVICON)
    # pydata-sphinx-theme reads default_mode from the template context.
    config.html_context.setdefault("default_mode", "light")


# ---------------------------------------------------------------- per-page assets


def _asset_key(asset: Any) -> tuple:
    # A script registered after the builder started is added twice: directly to
    # the builder (an inline one with filename None) and from the registry
    # (filename ""). Both are the same script.
    filename = getattr(asset, "filename", asset) or ""
    attributes = getattr(asset, "attributes", {}) or {}
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def _is_thebe_asset(asset: Any) -> bool:
    filename = str(getattr(asset, "filename", asset) or "")
    body = str((getattr(asset, "attributes", {}) or {}).get("body", ""))
    return "thebe" in filename.lower() or "THEBE_JS_URL" in body


def _clean_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Drop duplicated scripts and stylesheets, and thebe's assets when thebe is off."""
    drop_thebe = not _thebe_enabled(app.config)
    for key in ("script_files", "css_files"):
        assets = context.get(key)
        if not assets:
            continue
        seen: set[tuple] = set()
        kept = []
        for asset in assets:
            k = _asset_key(asset)
            if k in seen or (drop_thebe and _is_thebe_asset(asset)):
                continue
            seen.add(k)
            kept.append(asset)
        assets[:] = kept


def _drop_thebe_config(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Remove the per-page thebe configuration sphinx-thebe appends when thebe is off."""
    if _thebe_enabled(app.config):
        return
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if "text/x-thebe-config" in text or text.strip().startswith("<script>kernelName ="):
            node.parent.remove(node)


# ------------------------------------------------------------------- translator


class BookHTMLTranslator(HTML5Translator):
    """Sphinx's HTML5 translator with valid ARIA for citation lists.

    pydata-sphinx-theme mixes its Bootstrap rules into whatever translator is
    registered, so this keeps the theme's behaviour.
    """

    def visit_citation(self, node):
        if not isinstance(node.previous_sibling(), type(node)):
            self.body.append('<div role="list" class="citation-list">\n')
        self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


# --------------------------------------------------------------------- last built


def _build_time() -> _dt.datetime:
    """The build time, or SOURCE_DATE_EPOCH for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc)
    return _dt.datetime.now(tz=_dt.timezone.utc)


def _git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and commit else None


def build_stamp(app: Sphinx) -> str:
    """``Last built: 2026-11-22 00:40 UTC, from commit abc1234.`` (same for the whole build)."""
    if not hasattr(app, "_book_build_stamp"):
        when = _build_time().strftime("%Y-%m-%d %H:%M UTC")
        commit = _git_commit(Path(app.srcdir))
        text = f"Last built: {when}" + (f", from commit {commit}" if commit else "") + "."
        app._book_build_stamp = text  # type: ignore[attr-defined]
    return app._book_build_stamp  # type: ignore[attr-defined]


class LastBuilt(SphinxDirective):
    """``{last-built}``: a paragraph saying when the site was built."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.env
        if not hasattr(env, "book_last_built_docs"):
            env.book_last_built_docs = set()
        env.book_last_built_docs.add(env.docname)
        return [nodes.paragraph(text=build_stamp(self.env.app), classes=["book-last-built"])]


def _reread_stamped(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Re-read pages with a stamp on every build, so the stamp is the build's."""
    return sorted(getattr(env, "book_last_built_docs", set()) - set(removed))


def _purge_doc(app: Sphinx, env, docname: str) -> None:
    getattr(env, "book_last_built_docs", set()).discard(docname)


def _merge_info(app: Sphinx, env, docnames, other) -> None:
    if not hasattr(env, "book_last_built_docs"):
        env.book_last_built_docs = set()
    env.book_last_built_docs |= getattr(other, "book_last_built_docs", set()) & set(docnames)


# ------------------------------------------------------------ execution table


#: myst-nb's execution table marks a chapter with emoji, which need an emoji font.
STATUS_WORDS = {"\u2705": "passed", "\u274c": "failed", "\u26a0\ufe0f": "warning", "\u26a0": "warning"}


def _status_words(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """doctree-resolved: "passed"/"failed" in words in myst-nb's execution table."""
    for text in list(doctree.findall(nodes.Text)):
        word = STATUS_WORDS.get(text.astext().strip())
        if word is not None and text.parent is not None:
            text.parent.replace(text, nodes.Text(word))


# -------------------------------------------------------------------- root page


def _root_redirect(app: Sphinx, exception: Exception | None) -> None:
    """Rewrite the root ``index.html`` redirect as a small page with an icon and a link."""
    if exception is not None or app.builder.format != "html" or app.builder.name == "dirhtml":
        return
    root = app.config.root_doc
    if root == "index":
        return
    index = Path(app.outdir, "index.html")
    if index.exists():
        old = index.read_text(encoding="utf-8")
        if REDIRECT_MARK not in old and not old.lstrip().lower().startswith('<meta http-equiv="refresh"'):
            return  # a real page, not a redirect
    target = html.escape(f"{root}.html", quote=True)
    title = html.escape(app.config.html_title or app.config.project or "Home")
    icon = ""
    if app.config.html_favicon:
        icon = f'<link rel="icon" href="_static/{html.escape(Path(app.config.html_favicon).name)}" />\n'
    lang = html.escape(app.config.language or "en")
    index.write_text(
        f'<!DOCTYPE html>\n{REDIRECT_MARK}\n<html lang="{lang}">\n<head>\n<meta charset="utf-8" />\n'
        f'<title>{title}</title>\n<meta http-equiv="Refresh" content="0; url={target}" />\n'
        f'<link rel="canonical" href="{target}" />\n{icon}</head>\n'
        f'<body>\n<main><p><a href="{target}">{title}</a></p></main>\n</body>\n</html>\n',
        encoding="utf-8",
    )


def _check_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """Warn if the offline MathJax tree is not in the built site."""
    if exception is not None or app.builder.format != "html":
        return
    if app.config.mathjax_path != MATHJAX_ENTRY:
        logger.warning(
            "mlmbook.site: mathjax_path is %r, not the offline %r", app.config.mathjax_path, MATHJAX_ENTRY
        )
    elif not Path(app.outdir, "_static", MATHJAX_ENTRY).is_file():
        logger.warning("mlmbook.site: the offline MathJax tree is missing from the built site")


# ------------------------------------------------------------------------ setup


def setup(app: Sphinx) -> dict[str, Any]:
    # Sets mathjax_path to the local tree and copies it in at build-finished.
    app.setup_extension("sphinx-mathjax-offline")
    app.connect("config-inited", _configure)
    app.add_css_file(CSS_FILE)
    # Keyboard access to code blocks that scroll sideways (see the file).
    app.add_js_file("scroll-focus.js")
    # The menu button on phones and desktops (upstream pydata-sphinx-theme#2451), the quizzes'
    # right/wrong marks and scores, the shrinkage explorer: see each file.
    for script in ("sidebar-toggle.js", "quiz.js", "shrinkage-explorer.js"):
        app.add_js_file(script)
    for builder in ("html", "dirhtml", "singlehtml"):
        app.set_translator(builder, BookHTMLTranslator)
    app.connect("html-page-context", _clean_assets, priority=LATE)
    app.connect("doctree-resolved", _drop_thebe_config, priority=LATE)
    app.connect("doctree-resolved", _status_words, priority=LATE)
    app.add_directive("last-built", LastBuilt)
    app.connect("env-get-outdated", _reread_stamped)
    app.connect("env-purge-doc", _purge_doc)
    app.connect("env-merge-info", _merge_info)
    app.connect("build-finished", _root_redirect, priority=LATE)
    app.connect("build-finished", _check_mathjax, priority=LATE)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
