"""Cold-start benchmark: what `import app` costs a fresh Lambda interpreter.

Prints JSON: the minimum wall time of `import app` in a fresh interpreter, the minimum
of the floor (a fresh interpreter importing `pynamodb.models` alone, which any
PynamoDB service pays), and their ratio; the medians too, as extra fields. Runs
alternate between the two so that the machine's noise hits both alike. The ratio of
minima is the figure: on a shared 2-core machine the median of 7 runs swings by half
between runs, while the minimum of 15 holds within about 2% (noise only ever adds
time). Target: ratio <= 1.3.

    python -m bench.coldstart [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_PROBE = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


def time_import(stmt: str) -> float:
    """Seconds a fresh interpreter spends running `stmt` (an import), start-up excluded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEYWARDEN_", "AWS_"))}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(stmt=stmt)], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    # Bytecode as a deployment package should ship it (compileall writes it even where
    # PYTHONDONTWRITEBYTECODE is set, as on these machines); one untimed round warms the
    # OS file cache.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "app.py", "chalicelib"], cwd=ROOT, check=True)
    subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, check=True)
    app_times, floor_times = [], []
    for _ in range(args.runs):
        app_times.append(time_import("import app"))
        floor_times.append(time_import("import pynamodb.models"))
    app_min, floor_min = min(app_times), min(floor_times)
    app_median, floor_median = statistics.median(app_times), statistics.median(floor_times)
    print(
        json.dumps(
            {
                "runs": args.runs,
                "import_app_ms": round(app_min * 1000, 1),
                "floor_pynamodb_models_ms": round(floor_min * 1000, 1),
                "ratio": round(app_min / floor_min, 3),
                "target_ratio": 1.3,
                "median_import_app_ms": round(app_median * 1000, 1),
                "median_floor_ms": round(floor_median * 1000, 1),
                "median_ratio": round(app_median / floor_median, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
