"""Run the preflight: read the controller once per run, then judge with the pure rules.

Runs at the first write of a run (never on a no-change `up`, which sends nothing) and reads each
fact once per run per controller, however many objects and services ask: the version comes from
the login reply (no extra request), the rest from the GETs `avi_dsr.preflight.reads_for` lists
(system licence tier, cloud, SE group, VRF, placement networks). The rules themselves live in
`avi_dsr.preflight`, with no I/O; this module only fetches, caches and raises.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..preflight import ControllerFacts, Read, ServiceFacts, preflight_problems, reads_for
from .client import AviSession
from .errors import AviProviderError

PROVIDER_KEY = "provider"
# The reads are independent: sent at once, they cost one round trip, not one each (they sit on
# the critical path of a run's first write).
MAX_PARALLEL_READS = 8


class _Memo:
    """Per-controller answers and verdicts: each GET made once, each service judged once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}
        self.passed: set[ServiceFacts | None] = set()


_MEMOS: dict[tuple[Any, ...], _Memo] = {}
_MEMOS_LOCK = threading.Lock()


def _memo_for(session: AviSession) -> _Memo:
    with _MEMOS_LOCK:
        return _MEMOS.setdefault(session.conn.key(), _Memo())


def facts_from_input(value: Any) -> ServiceFacts | None:
    """The `preflight` resource input (ServiceFacts.wire()), or None when not given."""
    if not isinstance(value, Mapping) or not value.get("key"):
        return None
    try:
        return ServiceFacts.from_wire(value)
    except TypeError as err:
        raise AviProviderError(f"preflight input is malformed ({err})") from None


def run_preflight(session: AviSession, facts: ServiceFacts | None, what: str) -> None:
    """Refuse, before this run's first write, what the controller cannot do: every problem at
    once, each naming the config key and the fix."""
    session.ensure_login()
    memo = _memo_for(session)
    with memo.lock:
        if facts in memo.passed:
            return
        services = [facts] if facts is not None else []
        if session.controller_version:  # first what the login told: a newer apiVersion gets 400s
            _refuse(what, ControllerFacts(version=session.controller_version), [], session)
        controller = _controller_facts(session, memo, services)
        _refuse(what, controller, services, session)
        memo.passed.add(facts)


def _refuse(
    what: str, controller: ControllerFacts, services: list[ServiceFacts], session: AviSession
) -> None:
    problems = preflight_problems(
        controller, services, api_version=session.conn.api_version, controller_key=PROVIDER_KEY
    )
    if problems:
        listed = "; ".join(f"{p.key}: {p.message}" for p in problems)
        raise AviProviderError(f"{what}: preflight refused (nothing was written): {listed}")


def _controller_facts(
    session: AviSession, memo: _Memo, services: list[ServiceFacts]
) -> ControllerFacts:
    answers: dict[str, Any] = {"initial-data": {"version": {"Version": session.controller_version}}}
    clouds: dict[str, Any] = {}
    scoped: dict[str, dict[tuple[str, str], Any]] = {
        "serviceenginegroup": {},
        "vrfcontext": {},
        "network": {},
    }
    reads = [
        (read, params)
        for read, params in (reads_for(services) if services else ())  # none: version only
        if not (read.path == "initial-data" and session.controller_version)  # login said
    ]
    _fetch_all(session, memo, reads)
    for read, params in reads:
        found = memo.answers[_slot(read, params)]
        if read.path in ("initial-data", "systemconfiguration"):
            answers[read.path] = found or {}
        elif read.path == "cloud":
            clouds[params["name"]] = found
        else:
            scoped[read.path][(params.get("cloud_ref.name", ""), params["name"])] = found
    try:
        return ControllerFacts.from_answers(
            answers["initial-data"],
            answers.get("systemconfiguration"),
            clouds,
            se_groups=scoped["serviceenginegroup"],
            vrfs=scoped["vrfcontext"],
            networks=scoped["network"],
        )
    except ValueError as err:
        raise AviProviderError(f"preflight: {err}") from None


def _slot(read: Read, params: Mapping[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    return (read.path, tuple(sorted(params.items())))


def _fetch_all(session: AviSession, memo: _Memo, reads: list[tuple[Read, dict[str, str]]]) -> None:
    """Every read not answered yet, in parallel; the first failure (in list order) is raised."""
    missing = [(r, p) for r, p in reads if _slot(r, p) not in memo.answers]
    if len(missing) <= 1:
        for read, params in missing:
            memo.answers[_slot(read, params)] = _get(session, read, params)
        return
    workers = min(len(missing), MAX_PARALLEL_READS)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="preflight") as pool:
        futures = [(r, p, pool.submit(_get, session, r, p)) for r, p in missing]
    for read, params, future in futures:
        memo.answers[_slot(read, params)] = future.result()  # raises the read's own error


def _get(session: AviSession, read: Read, params: dict[str, str]) -> Any:
    """One GET: a singleton object, or the first result of a `?name=` list."""
    rsp = session.request("GET", read.path, params=params)
    if rsp.status_code != 200:
        raise AviProviderError(
            f"preflight: reading the {read.what} failed (HTTP {rsp.status_code}); the "
            "user needs read access to it"
        )
    body = rsp.json() or {}
    return (body.get("results") or [None])[0] if "results" in body else body


def forget_preflights() -> None:
    """Tests: every session starts unchecked."""
    with _MEMOS_LOCK:
        _MEMOS.clear()
