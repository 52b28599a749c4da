"""lab/ is a plain folder of the repo, not an installed package: make `import lab` work."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
