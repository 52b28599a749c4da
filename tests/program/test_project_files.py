"""Pulumi.yaml and the stack files: shape Pulumi accepts, no secrets, documentation addresses."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
import yaml
from avi_dsr.config import KNOWN_KEYS, SECRET_KEYS

ROOT = Path(__file__).resolve().parents[2]
DOC_NETS = [ipaddress.ip_network(n) for n in
            ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32",
             "127.0.0.0/8")]  # fmt: skip
PULUMI_TYPES = {"string", "integer", "boolean", "array"}  # project.json's simpleConfigType


def test_project_file_declares_every_key_with_a_description():
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == "avi-dsr" and project["stackConfigDir"] == "stacks"
    assert project["runtime"] == {
        "name": "python",
        "options": {"toolchain": "pip", "virtualenv": ".venv"},
    }
    config = project["config"]
    assert set(config) == {f"avi-dsr:{k}" for k in KNOWN_KEYS}
    for key, decl in config.items():
        assert decl.get("description"), key
        assert decl.get("type", "string") in PULUMI_TYPES, key
        assert decl.get("secret", False) == (key.split(":")[1] in SECRET_KEYS), key
        if decl.get("secret") and "default" in decl:
            assert "type" not in decl, f"{key}: a typed secret's plain default is rejected"


@pytest.mark.parametrize("stack", ["lab", "lab6", "prod", "local", "existing"])
def test_stack_files_hold_no_secrets_and_only_documentation_addresses(stack):
    text = (ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text()
    config = yaml.safe_load(text)["config"]
    for key in SECRET_KEYS:
        assert f"avi-dsr:{key}" not in config or "secure" in config[f"avi-dsr:{key}"]
    for match in re.finditer(r"(?<![\w:.])(\d+\.\d+\.\d+\.\d+|[0-9a-f]*:[0-9a-f:]+)(?:/\d+)?",
                             text):  # fmt: skip
        try:
            address = ipaddress.ip_address(match.group(1))
        except ValueError:
            continue
        assert any(address in net for net in DOC_NETS), f"{stack}: {address}"
