"""Faults for crash-safety tests: held replies of the k-th committed write, latency after the
commit, clock skew, and a controller restart."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from avisim.testing import running_simulator
from simhelpers import avisdk_session, create, http_session, wait_until


def _in_background(call):
    pool = ThreadPoolExecutor(max_workers=1)
    return pool, pool.submit(call)


def _writes(sim) -> dict:
    return requests.get(f"{sim.url}/_avisim/writes", timeout=5).json()


def test_the_kth_write_commits_and_its_reply_is_held_until_released(avisim):
    http = http_session(avisim)
    requests.post(
        f"{avisim.url}/_avisim/faults",
        json={"hold_reply": {"after_writes": 2, "path_prefix": "/api/pool"}},
        timeout=5,
    )
    monitor = {"name": "hm", "type": "HEALTH_MONITOR_TCP"}  # another path: not counted
    assert http.post(f"{avisim.url}/api/healthmonitor", json=monitor, timeout=5).ok
    assert http.post(f"{avisim.url}/api/pool", json={"name": "first"}, timeout=5).ok
    pool, held = _in_background(
        lambda: http.post(f"{avisim.url}/api/pool", json={"name": "second"}, timeout=10)
    )
    status = wait_until(lambda: (w := _writes(avisim))["held"] and w)
    assert status["held"] == [{"method": "POST", "path": "/api/pool", "status": 201}]
    assert status["committed"] == 3
    assert sorted(p["name"] for p in avisim.controller.objects("pool")) == ["first", "second"]
    assert not held.done()
    assert http_session(avisim).get(f"{avisim.url}/api/pool", timeout=5).ok  # others served
    released = requests.post(f"{avisim.url}/_avisim/writes/release", json={}, timeout=5)
    assert released.json() == {"released": 1}
    assert held.result(timeout=5).status_code == 201
    assert _writes(avisim)["held"] == []
    pool.shutdown()


def test_a_held_reply_can_be_dropped_and_the_client_sees_a_cut_connection(avisim):
    http = http_session(avisim)
    avisim.faults.update({"hold_reply": {"after_writes": 1}})
    pool, held = _in_background(
        lambda: http.post(f"{avisim.url}/api/pool", json={"name": "p"}, timeout=10)
    )
    wait_until(lambda: _writes(avisim)["held"])
    avisim.writes.release("drop")
    with pytest.raises(requests.ConnectionError):
        held.result(timeout=5)
    assert [p["name"] for p in avisim.controller.objects("pool")] == ["p"]
    log = [e for e in avisim.request_log() if e["path"] == "/api/pool"]
    assert [(e["status"], e["dropped"]) for e in log] == [(201, True)]
    pool.shutdown()


def test_a_killed_client_does_not_disturb_the_controller(avisim):
    """The client gives up while its reply is held (as if killed); the object stays, and the
    reply sent later to nobody is not an error."""
    http = http_session(avisim)
    avisim.faults.update({"hold_reply": {"after_writes": 1, "methods": ["PUT"]}})
    pool = create(avisdk_session(avisim), "pool", {"name": "p"})
    with pytest.raises(requests.Timeout):
        http.put(f"{avisim.url}/api/pool/{pool['uuid']}",
                 json={"name": "p", "default_server_port": 81}, timeout=0.5)  # fmt: skip
    assert avisim.controller.objects("pool")[0]["default_server_port"] == 81
    assert avisim.writes.release() == 1
    assert http_session(avisim).get(f"{avisim.url}/api/pool", timeout=5).ok


def test_latency_after_commit_lets_a_short_timeout_give_up_on_an_existing_object(avisim):
    http = http_session(avisim)
    avisim.faults.update({"latency_after_commit": {"ms": 1500, "methods": ["POST"]}})
    with pytest.raises(requests.Timeout):
        http.post(f"{avisim.url}/api/pool", json={"name": "slow"}, timeout=0.4)
    assert [p["name"] for p in avisim.controller.objects("pool")] == ["slow"]
    started = time.monotonic()
    assert http.get(f"{avisim.url}/api/pool", timeout=5).ok  # reads are not delayed
    assert time.monotonic() - started < 1.0


def test_latency_after_commit_can_be_counted(avisim):
    http = http_session(avisim)
    avisim.faults.update({"latency_after_commit": {"ms": 300, "count": 1}})
    timings = []
    for name in ("a", "b"):
        started = time.monotonic()
        assert http.post(f"{avisim.url}/api/pool", json={"name": name}, timeout=5).ok
        timings.append(time.monotonic() - started)
    assert timings[0] >= 0.3 > timings[1]


@pytest.mark.parametrize("offset", [-3600, 7200])
def test_clock_offset_shifts_last_modified(offset):
    with running_simulator(clock_offset_seconds=offset) as sim:
        api = avisdk_session(sim)
        stamp = int(create(api, "pool", {"name": "p"})["_last_modified"]) / 1_000_000
        assert abs(stamp - (time.time() + offset)) < 5


def test_clock_offset_changes_at_run_time(avisim, api):
    before = int(create(api, "pool", {"name": "a"})["_last_modified"])
    requests.post(f"{avisim.url}/_avisim/faults", json={"clock_offset_seconds": -86400}, timeout=5)
    after = int(create(api, "pool", {"name": "b"})["_last_modified"])
    assert before - after > 86_000 * 1_000_000  # the controller's clock went back a day


def _listener(url: str) -> str:
    """ "up", "refused" (nothing listens), or "cut" (a reply broken off: the restart is under
    way, as on a real controller; ask again)."""
    try:
        requests.get(f"{url}/_avisim/health", timeout=1)
    except requests.exceptions.ChunkedEncodingError:
        return "cut"
    except requests.ConnectionError:
        return "refused"
    return "up"


def _refused(url: str) -> bool:
    return _listener(url) == "refused"


def _up(url: str) -> bool:
    return _listener(url) == "up"


def test_restart_drops_sessions_and_connections_refuses_for_a_while_keeps_objects(avisim):
    api = avisdk_session(avisim)
    create(api, "pool", {"name": "kept"})
    reply = requests.post(
        f"{avisim.url}/_avisim/faults", json={"restart": {"down_seconds": 0.6}}, timeout=5
    )
    assert reply.status_code == 200
    assert wait_until(lambda: _refused(avisim.url), timeout=2)
    wait_until(lambda: _up(avisim.url), timeout=5)
    assert requests.get(f"{avisim.url}/_avisim/health", timeout=5).json()["restarts"] == 1
    rsp = api.get("pool", params={"name": "kept"})  # avisdk logs in again on the 401
    assert rsp.status_code == 200 and rsp.json()["count"] == 1
    assert avisim.counters()["logins"] == 2


def test_restart_drops_a_held_reply(avisim):
    http = http_session(avisim)
    avisim.faults.update({"hold_reply": {"after_writes": 1}})
    pool, held = _in_background(
        lambda: http.post(f"{avisim.url}/api/pool", json={"name": "p"}, timeout=10)
    )
    wait_until(lambda: _writes(avisim)["held"])
    avisim.restart(down_seconds=0)
    with pytest.raises(requests.ConnectionError):
        held.result(timeout=5)
    wait_until(lambda: _up(avisim.url))
    assert [p["name"] for p in avisim.controller.objects("pool")] == ["p"]
    assert http.get(f"{avisim.url}/api/pool", timeout=5).status_code == 401  # session gone
    pool.shutdown()


def test_restart_cuts_idle_keep_alive_connections(avisim):
    http = http_session(avisim)
    assert http.get(f"{avisim.url}/api/pool", timeout=5).ok  # a pooled keep-alive connection
    assert avisim.open_connections() >= 1
    avisim.restart(down_seconds=0)
    assert avisim.open_connections() == 0
    wait_until(lambda: _up(avisim.url))


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"hold_reply": {"after_writes": 0}}, "hold_reply.after_writes: must be an integer >= 1"),
        ({"hold_reply": {"after_writes": 1, "x": 1}}, "unknown keys ['x']"),
        ({"latency_after_commit": {"ms": -1}}, "latency_after_commit.ms: must be an integer"),
        ({"clock_offset_seconds": "soon"}, "clock_offset_seconds: must be a number"),
        ({"restart": {"down_seconds": -1}}, "restart.down_seconds: must be a number >= 0"),
        ({"restart": 3}, 'restart: expected {"down_seconds": N}'),
        ({"se_assign_ms": 1.5}, "se_assign_ms: must be an integer"),
    ],
)
def test_bad_crash_fault_settings_are_400(avisim, body, fragment):
    rsp = requests.post(f"{avisim.url}/_avisim/faults", json=body, timeout=5)
    assert rsp.status_code == 400
    assert fragment in rsp.json()["error"]
    assert avisim.restarts == 0


def test_faults_show_and_clear(avisim):
    avisim.faults.update({"hold_reply": {"after_writes": 3}, "clock_offset_seconds": 5})
    shown = requests.get(f"{avisim.url}/_avisim/faults", timeout=5).json()
    assert shown["hold_reply"] == {"after_writes": 3, "methods": ["POST", "PUT", "DELETE"],
                                   "path_prefix": "/api/"}  # fmt: skip
    assert shown["clock_offset_seconds"] == 5
    cleared = requests.delete(f"{avisim.url}/_avisim/faults", timeout=5).json()
    assert cleared["hold_reply"] is None and cleared["clock_offset_seconds"] == 0


def test_many_clients_at_once_are_all_served(avisim):
    """Scale work drives 50+ concurrent calls; each client here opens its own connection."""
    sessions = [http_session(avisim) for _ in range(64)]
    barrier = threading.Barrier(len(sessions))

    def call(index: int) -> int:
        barrier.wait()
        return (
            sessions[index]
            .post(
                f"{avisim.url}/api/healthmonitor",
                json={"name": f"hm{index}", "type": "HEALTH_MONITOR_TCP"},
                timeout=20,
            )
            .status_code
        )

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        statuses = list(pool.map(call, range(len(sessions))))
    assert statuses == [201] * len(sessions)


def test_the_listen_backlog_holds_a_burst_of_new_connections(avisim):
    """With the accept loop paused, the kernel completes handshakes only up to the listen
    backlog; the default of 5 would leave the 7th connect hanging."""
    avisim._httpd.shutdown()  # pause accepting; the socket keeps listening
    avisim._thread.join()
    avisim._thread = None
    burst = []
    try:
        for _ in range(100):
            burst.append(socket.create_connection((avisim.host, avisim.port), timeout=1))
    finally:
        avisim._serve_in_background()
    request = "GET /_avisim/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    for sock in burst:
        with sock:
            sock.sendall(request.encode())
            assert sock.recv(64).startswith(b"HTTP/1.1 200")


def test_a_held_reply_does_not_block_other_clients(avisim):
    http = http_session(avisim)
    avisim.faults.update({"hold_reply": {"after_writes": 1}})
    pool, held = _in_background(
        lambda: http.post(f"{avisim.url}/api/pool", json={"name": "p"}, timeout=10)
    )
    wait_until(lambda: _writes(avisim)["held"])
    other = http_session(avisim).post(f"{avisim.url}/api/pool", json={"name": "q"}, timeout=5)
    assert other.status_code == 201
    avisim.writes.release()
    assert held.result(timeout=5).status_code == 201
    pool.shutdown()


def test_clearing_faults_returns_to_how_the_controller_was_started():
    with running_simulator(se_assign_ms=0, clock_offset_seconds=60) as sim:
        sim.faults.update({"se_assign_ms": 900, "clock_offset_seconds": -5, "latency_ms": 10})
        cleared = requests.delete(f"{sim.url}/_avisim/faults", timeout=5).json()
        assert (cleared["se_assign_ms"], cleared["clock_offset_seconds"]) == (0, 60)
        assert cleared["latency_ms"] == 0
