"""The built website, for the site tests: where it is, its pages, and a local server.

The site folder is ``$BOOK_SITE`` if set, else the ``html`` folder of ``$BOOK_BUILD``,
else ``_build/html`` (where ``make test`` builds). Point it at your own build while
developing::

    BOOK_SITE=/tmp/me-book/_build/html .venv/bin/python -m pytest tests/book/test_site.py tests/book/test_site_links.py

Screenshots of the browser test go to ``$BOOK_SCREENSHOTS``, else to a folder
``screenshots`` beside the site folder (``_build/screenshots``).
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]

#: Folders of the built site that hold no pages of the book.
NON_PAGE_DIRS = {"_static", "_sources", "_images", "_downloads", "_panels_static"}


def site_dir() -> Path:
    """The built HTML site: ``$BOOK_SITE``, else ``html`` in ``$BOOK_BUILD`` (the variable
    tests/book/test_course.py reads: a build folder, or a ``--path-output`` folder), else ``_build/html``."""
    if os.environ.get("BOOK_SITE"):
        return Path(os.environ["BOOK_SITE"]).resolve()
    if os.environ.get("BOOK_BUILD"):
        base = Path(os.environ["BOOK_BUILD"]).resolve()
        return next((c / "html" for c in (base, base / "_build") if (c / "html").is_dir()), base / "html")
    return (ROOT / "_build" / "html").resolve()


def site_required() -> bool:
    """True when the caller named a site (``make test`` does): then a missing one fails, not skips."""
    return bool(os.environ.get("BOOK_SITE") or os.environ.get("BOOK_BUILD"))


def screenshot_dir() -> Path:
    """Where the browser test keeps its screenshots (emptied at the start of each run)."""
    env = os.environ.get("BOOK_SCREENSHOTS")
    return Path(env).resolve() if env else site_dir().parent / "screenshots"


def html_pages(site: Path | None = None) -> list[str]:
    """Every HTML page of the site, as paths relative to it ("chapters/why.html"), sorted."""
    site = site or site_dir()
    if not site.is_dir():
        return []
    pages = []
    for path in site.rglob("*.html"):
        rel = path.relative_to(site)
        if rel.parts[0] in NON_PAGE_DIRS:
            continue
        pages.append(rel.as_posix())
    return sorted(pages)


class _Handler(SimpleHTTPRequestHandler):
    """Static files, quietly; requests under ``slow_prefix`` answered ``delay`` seconds late."""

    slow_prefix = "/_static/mathjax/"
    delay = 0.0

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".svg": "image/svg+xml",
        ".woff": "font/woff",
        ".woff2": "font/woff2",
        ".js": "text/javascript",
        ".json": "application/json",
    }

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.delay and self.path.startswith(self.slow_prefix):
            time.sleep(self.delay)
        super().do_GET()

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser that navigates on drops connections it no longer needs: not an error.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


@contextmanager
def serve(site: Path, *, mathjax_delay: float = 0.0) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 (a free port) and yield its base URL ("http://127.0.0.1:PORT/").

    ``mathjax_delay`` answers every request for MathJax's files that many seconds
    late, so pages are tested with MathJax arriving after everything else.
    """
    handler = functools.partial(type("Handler", (_Handler,), {"delay": mathjax_delay}), directory=str(site))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
