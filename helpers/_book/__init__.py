"""Private: code the book's website needs at build time, not part of the course API.

:mod:`helpers._book.site` is a Sphinx extension loaded from ``_config.yml``
(``sphinx: extra_extensions: [helpers._book.site]``), and so is
:mod:`helpers._book.notebooks` (student and instructor notebooks, the course pack, the
instructor guide's directives). Nothing here is imported by ``import helpers``, and the
course pack leaves this folder out.
"""
