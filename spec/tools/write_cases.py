"""Write spec/cases/*.json from the hand-written cases in spec/tools/cases_*.py.

Run from the repository root: .venv/bin/python spec/tools/write_cases.py
"""

from __future__ import annotations

import cases_errors
import cases_flags
import cases_graph
import cases_operators


def main() -> None:
    total = sum(m.main() for m in (cases_operators, cases_flags, cases_graph, cases_errors))
    print(f"wrote {total} cases")


if __name__ == "__main__":
    main()
