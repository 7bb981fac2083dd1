"""Private: code the book's website needs at build time, not part of the course API.

:mod:`mlmbook.site` is a Sphinx extension loaded from ``_config.yml``
(``sphinx: extra_extensions: [mlmbook.site]``), and so is
:mod:`mlmbook.notebooks` (student and instructor notebooks, the course pack, the
instructor guide's directives). Nothing here is imported by ``import helpers``, and the
course pack leaves this folder out.
"""
