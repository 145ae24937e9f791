"""``python -m dashboard.core.simulate [OUT_DIR]``: regenerate the committed sample cohort."""

from __future__ import annotations

import argparse
from pathlib import Path

from dashboard.core.export.canonical_csv import write_dataset
from dashboard.core.settings import SAMPLE_DIR
from dashboard.core.simulate.simulator import simulate_cohort

parser = argparse.ArgumentParser(
    prog="python -m dashboard.core.simulate",
    description="Regenerate the committed sample cohort (8 patients x 6 infusions, 5 s samples, seed 0).",
)
parser.add_argument("out", nargs="?", default=str(SAMPLE_DIR), help="output folder (default sample_data)")
args = parser.parse_args()
paths = write_dataset(simulate_cohort(), Path(args.out))
print(f"wrote {len(paths)} files to {args.out}")
