"""Simulated release traffic for the guard tests and ``benchmarks/release_simulation.py``.

- :mod:`simulation.traffic`: rollouts at the statistics level and per-minute traffic;
- :mod:`simulation.system`: SDK traffic through the real services on a simulated clock.

``benchmarks/`` is on the path of the tests (pyproject's ``pythonpath``) and of the
benchmark scripts (their own folder), so both import it as ``simulation``.
"""
