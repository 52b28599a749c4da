"""The lab's modules live under lab/ and lab/scenario/ (not an installed package)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for folder in (ROOT / "lab", ROOT / "lab" / "scenario"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
