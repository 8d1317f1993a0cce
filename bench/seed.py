"""How long seeding the sandbox takes: ``python bench/seed.py [institutions]``.

Prints ``seed_100k_seconds: X`` for the default 100,000 institutions (the budget
is two minutes on a two-core machine) and the row rate.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from xietong.sandbox.seed import seed_sandbox


def main() -> None:
    institutions = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as folder:
        summary = seed_sandbox(Path(folder), institutions)
        size = sum(path.stat().st_size for path in (Path(folder) / "sandbox").glob("*.db"))
    label = f"{institutions // 1000}k" if institutions % 1000 == 0 else str(institutions)
    print(f"seed_{label}_seconds: {summary.seconds:.1f}")
    print(f"rows: {summary.rows}  rows_per_second: {summary.rows_per_second:,.0f}")
    print(f"unlicensed_operators: {summary.unlicensed_operators}  database_mb: {size / 1e6:.0f}")
    for kind, count in summary.anomalies.items():
        print(f"  {kind}: {count}")


if __name__ == "__main__":
    main()
