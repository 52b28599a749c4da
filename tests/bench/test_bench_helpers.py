"""The scale bench's own arithmetic: what it reads from the simulator's log and the request
limits it checks must be right, or its table says the wrong thing with a straight face."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from controller_log import view_of
from limits import problems
from scale import critical_path


def entry(method: str, path: str, start: float, end: float) -> dict:
    return {"method": method, "path": path, "start": start, "end": end, "status": 200}


def test_window_and_requests_in_flight_from_the_log():
    log = [
        entry("POST", "/login", 10.0, 10.1),
        entry("POST", "/api/pool", 10.1, 10.3),  # starts as the login ends: not concurrent
        entry("POST", "/api/vsvip", 10.2, 10.4),
        entry("GET", "/api/cloud", 10.25, 10.5),
        entry("GET", "/_avisim/log", 11.0, 12.0),  # the bench's own call: not the controller's
    ]
    view = view_of(log)
    assert (view.requests, view.logins) == (4, 1)
    assert view.by_method == {"POST": 2, "GET": 1}
    assert round(view.window, 6) == 0.5
    assert view.peak_in_flight == 3
    assert view.summary() == "1 login + 1 GET + 2 POST"


def test_nothing_sent_is_a_zero_window():
    view = view_of([])
    assert (view.requests, view.window, view.peak_in_flight, view.summary()) == (0, 0.0, 0, "0")


def test_request_limits_per_step():
    two_services = [entry("POST", "/login", 0, 0.1)]
    two_services += [entry("POST", "/api/x", 0, 0.1)] * 10 + [entry("GET", "/api/c", 0, 0.1)]
    assert problems("up", 2, view_of(two_services)) == []
    assert problems("up", 3, view_of(two_services)) == ["10 POST, expected 15"]
    again = [*two_services, entry("PUT", "/api/pool/1", 0, 0.1)]
    assert problems("up", 2, view_of(again)) == ["unexpected PUT"]
    assert problems("noop", 2, view_of([])) == []
    assert problems("noop", 2, view_of(two_services[:1])) == ["1 requests, expected none"]
    change = [entry("POST", "/login", 0, 1), entry("GET", "/api/c", 0, 1)]
    assert problems("change", 9, view_of([*change, entry("PUT", "/api/p/1", 0, 1)])) == []
    assert problems("change", 9, view_of(change)) == ["0 PUT, expected 1"]
    refresh = [entry("POST", "/login", 0, 1)] + [entry("GET", "/api/o/1", 0, 1)] * 6
    assert problems("refresh", 1, view_of(refresh)) == []  # 5 objects + the VS's runtime
    assert problems("destroy", 1, view_of(refresh)) == [
        "0 DELETE, expected 5",
        "unexpected GET",
    ]


def test_critical_path_of_a_create_waits_for_late_servers():
    # 50 ms: login, preflight, monitor, pool, VS = 0.25 s, plus 0.3 s placement
    assert round(critical_path("up", 50), 3) == 0.55
    # servers ready 2 s after the first request: the pool and VS follow them
    assert round(critical_path("up", 50, servers_ready=2.0), 3) == 2.4
    assert round(critical_path("change", 50), 3) == 0.15
    assert critical_path("noop", 50) is None
