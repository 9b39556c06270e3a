"""The ``premiere`` command: run the server, seed the demo, and administer Premiere.

Most commands are thin clients of the HTTP API (``PREMIERE_URL``, ``PREMIERE_TOKEN``);
``serve``, ``demo`` and local ``tokens`` commands open the database directly. Every
expected failure ends with a one-line message on stderr and a documented exit code
(see :mod:`premiere.cli.exits`), never with a traceback.
"""
