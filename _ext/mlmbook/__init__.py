"""The book's build machinery: Sphinx extensions, not part of the course's ``helpers``.

``_config.yml`` loads this package as a local extension (``sphinx: local_extensions:
{mlmbook: _ext}``); its :func:`setup` sets up

- :mod:`mlmbook.site`: offline MathJax, no duplicate scripts, favicon, the book's CSS;
- :mod:`mlmbook.execute`: the chapters that need executing run in parallel, into the
  execution cache myst-nb reads;
- :mod:`mlmbook.notebooks`: student and instructor notebooks, the course pack, the
  instructor guide's directives;
- :mod:`mlmbook.public`: the solutions switch (a public site without solutions).

Nothing here is imported by a chapter or by ``helpers``.
"""

from __future__ import annotations

from typing import Any


def setup(app) -> dict[str, Any]:
    app.setup_extension("mlmbook.site")
    app.setup_extension("mlmbook.execute")
    app.setup_extension("mlmbook.public")
    app.setup_extension("mlmbook.notebooks")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
