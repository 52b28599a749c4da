"""The preflight's controller reads sit on the critical path of a run's first write: they go out
together (one round trip), and each is made once however many objects ask."""

from __future__ import annotations

from avi_dsr.avi import AviObjects
from avi_dsr.preflight import ServiceFacts
from avi_testlib import owner

LATENCY_MS = 100
HM = {"name": "p-hm", "type": "HEALTH_MONITOR_TCP"}
FACTS = ServiceFacts(key="avi-dsr:services[0]").wire()


def _preflight_gets(avisim) -> list[dict]:
    return [
        r
        for r in avisim.request_log()
        if r["method"] == "GET" and not r["path"].startswith("/_avisim")
    ]


def test_preflight_reads_overlap_in_one_round_trip(avisim, session):
    avisim.faults.update({"latency_ms": LATENCY_MS})
    AviObjects("healthmonitor").create(session, {**HM, "preflight": FACTS}, owner())
    gets = _preflight_gets(avisim)
    paths = sorted(r["path"].split("?")[0] for r in gets)
    assert paths == [
        "/api/cloud",
        "/api/serviceenginegroup",
        "/api/systemconfiguration",
        "/api/vrfcontext",
    ]
    # one after another they would take four round trips; together, about one
    span = max(r["end"] for r in gets) - min(r["start"] for r in gets)
    assert span < 2 * LATENCY_MS / 1000, f"preflight reads took {span:.3f} s"


def test_each_read_is_made_once_for_many_objects(avisim, session):
    for i in range(3):
        AviObjects("healthmonitor").create(
            session, {**HM, "name": f"p-hm{i}", "preflight": FACTS}, owner(f"hm{i}")
        )
    assert len(_preflight_gets(avisim)) == 4
