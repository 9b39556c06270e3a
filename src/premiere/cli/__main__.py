"""``python -m premiere.cli`` is the ``premiere`` command."""

from __future__ import annotations

from premiere.cli.entry import main

main()
