"""Private: code the book's website needs at build time, not part of the course API.

:mod:`helpers._book.site` is a Sphinx extension loaded from ``_config.yml``
(``sphinx: extra_extensions: [helpers._book.site]``). Nothing here is imported by
``import helpers``.
"""
