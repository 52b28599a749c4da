"""The real engine sends preview unknowns as `pulumi.output.Unknown` objects, not sentinel strings.

check must skip them and diff must report a change instead of crashing on them."""

from __future__ import annotations

from avi_dsr.avi import AviObjectProvider
from pulumi.output import Unknown


def test_check_skips_unknown_objects_in_body(make_props):
    props = make_props({"name": "p1", "lb_algorithm": "LB_ALGORITHM_CONSISTENT_HASH"})
    props["body"]["default_server_port"] = Unknown()
    result = AviObjectProvider("pool").check({}, props)
    assert result.failures == []


def test_check_accepts_a_wholly_unknown_body(make_props):
    props = make_props({"name": "p1"})
    props["body"] = Unknown()
    assert AviObjectProvider("pool").check({}, props).failures == []


def test_diff_with_unknown_body_is_a_change_not_a_crash(avisim, make_props):
    provider = AviObjectProvider("pool")
    olds = provider.create(make_props({"name": "p1"})).outs
    news = {**make_props({"name": "p1"}), "body": Unknown()}
    result = provider.diff(olds["uuid"], olds, news)
    assert result.changes is True
    assert result.replaces == []


def test_diff_with_unknown_ref_inside_body_is_a_change(avisim, make_props):
    provider = AviObjectProvider("virtualservice")
    olds = provider.create(make_props({"name": "vs1", "services": [{"port": 80}]})).outs
    news = make_props({"name": "vs1", "services": [{"port": 80}]})
    news["body"]["pool_ref"] = Unknown()
    assert provider.diff(olds["uuid"], olds, news).changes is True
