"""config_digest: one stable sha256 that moves with every rendered byte and nothing else."""

from __future__ import annotations

import re

import pytest
from avi_dsr.server import config_digest
from server_cases import CASES, spec

BASE = "dual-stack-2204"


def test_digest_is_hex_sha256_and_stable():
    digest = config_digest(spec(BASE))
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert config_digest(spec(BASE)) == digest


def test_equivalent_specs_share_a_digest():
    reordered = spec("several-vips-2404", vips4=["203.0.113.11", "203.0.113.12", "203.0.113.10"])
    assert config_digest(reordered) == config_digest(spec("several-vips-2404"))


@pytest.mark.parametrize(
    "change",
    [
        {"name": "web02"},
        {"interface": "ens224"},
        {"ipv4": "198.51.100.12/24"},
        {"gateway4": "198.51.100.2"},
        {"ipv6": "2001:db8:20::12/64"},
        {"gateway6": "2001:db8:20::2"},
        {"dns": ["198.51.100.53"]},
        {"search": ["lab.example"]},
        {"vips4": ["203.0.113.11"]},
        {"vips6": ["2001:db8:100::11"]},
        {"vips6": []},
        {"gre_vips4": ["203.0.113.20"]},
        # the same VIP moved to a GRE service: a different tunnel, so a different config
        {"vips4": [], "gre_vips4": ["203.0.113.10"]},
        {"ubuntu_release": "24.04"},
        {"underlay_mtu": 9000},
    ],
)
def test_every_field_moves_the_digest(change):
    assert config_digest(spec(BASE, **change)) != config_digest(spec(BASE))


def test_digests_of_all_cases_are_distinct():
    digests = {config_digest(spec(case)) for case in CASES}
    assert len(digests) == len(CASES)


def test_digest_covers_the_mss_clamp(monkeypatch):
    """The clamp is part of what an existing server gets: editing it must re-trigger apply."""
    import avi_dsr.server.mss as mss

    before = config_digest(spec(BASE))
    monkeypatch.setattr(mss, "render_mss_ruleset", lambda server: "# edited ruleset\n")
    assert config_digest(spec(BASE)) != before
