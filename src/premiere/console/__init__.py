"""The web console: server-rendered pages beside the API, on the same services.

:func:`install_console` adds the pages, their static files and their error pages to an
app built by :func:`premiere.api.create_app`; the ``serve`` command assembles both.
"""

from premiere.console.app import install_console

__all__ = ["install_console"]
