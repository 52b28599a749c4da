"""The simulator must not share the product's beliefs: it imports nothing from avi_dsr."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import avisim

PACKAGE = Path(avisim.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_no_module_of_avisim_imports_avi_dsr():
    offenders = {
        path.name: sorted(m for m in _imported_modules(path) if m.split(".")[0] == "avi_dsr")
        for path in sorted(PACKAGE.glob("*.py"))
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_the_simulator_runs_with_avi_dsr_unimportable():
    script = (
        "import sys; sys.modules['avi_dsr'] = None\n"
        "from avisim.testing import running_simulator\n"
        "import requests\n"
        "with running_simulator() as sim:\n"
        "    s = requests.Session()\n"
        "    s.post(sim.url + '/login', json={'username': 'admin', 'password': 'admin'})\n"
        "    s.headers.update({'X-CSRFToken': s.cookies['csrftoken'], 'X-Avi-Version': '22.1.4'})\n"
        "    print(s.post(sim.url + '/api/pool', json={'name': 'p'}).status_code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == "201", result.stderr
