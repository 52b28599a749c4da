"""Helpers for simulator tests: avisdk sessions and the bodies of a DSR object set."""

from __future__ import annotations

import json
import time
import warnings
from typing import Any

import requests
from avi.sdk.avi_api import ApiSession
from avisim.server import Simulator

API_VERSION = "22.1.4"


def avisdk_session(sim: Simulator, **kwargs: Any) -> ApiSession:
    """A real avisdk session (it logs in here); verify=False warns on every construction."""
    options = {"username": "admin", "password": "admin", "api_version": API_VERSION, **kwargs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ApiSession(controller_ip=sim.url, **options)


def dsr_network_profile(name: str = "np-dsr") -> dict[str, Any]:
    return {
        "name": name,
        "profile": {
            "type": "PROTOCOL_TYPE_TCP_FAST_PATH",
            "tcp_fast_path_profile": {
                "dsr_profile": {"dsr_type": "DSR_TYPE_L3", "dsr_encap_type": "ENCAP_IPINIP"}
            },
        },
    }


def dsr_pool(name: str = "pool-dsr", port: int = 80, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "lb_algorithm": "LB_ALGORITHM_CONSISTENT_HASH",
        "default_server_port": port,
        "servers": [
            {"ip": {"addr": "198.51.100.11", "type": "V4"}},
            {"ip": {"addr": "198.51.100.12", "type": "V4"}},
        ],
        **extra,
    }


def vsvip(name: str = "vsvip-dsr", **vip_extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "vip": [{"ip_address": {"addr": "203.0.113.10", "type": "V4"}, **vip_extra}],
    }


def dsr_vs(name: str = "vs-dsr", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "application_profile_ref": "/api/applicationprofile?name=System-L4-Application",
        "network_profile_ref": "/api/networkprofile?name=np-dsr",
        "pool_ref": "/api/pool?name=pool-dsr",
        "vsvip_ref": "/api/vsvip?name=vsvip-dsr",
        "services": [{"port": 80}],
        **extra,
    }


def create(api: ApiSession, obj_type: str, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """POST and insist on 201 (showing the controller's error otherwise)."""
    rsp = api.post(obj_type, data=body, **kwargs)
    assert rsp.status_code == 201, rsp.text
    return rsp.json()


def error(rsp: Any) -> str:
    """The controller's ``{"error": ...}`` text (avisdk's ``.json()`` raises on non-2xx)."""
    return json.loads(rsp.text)["error"]


def http_session(sim: Simulator, version: str | None = API_VERSION) -> requests.Session:
    """A logged-in plain HTTP session; ``version`` None sends no X-Avi-Version."""
    session = requests.Session()
    rsp = session.post(
        f"{sim.url}/login", json={"username": "admin", "password": "admin"}, timeout=10
    )
    rsp.raise_for_status()
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    if version:
        session.headers["X-Avi-Version"] = version
    return session


def runtime_state(api: ApiSession, vs_uuid: str) -> dict[str, Any]:
    return api.get(f"virtualservice/{vs_uuid}/runtime").json()


def wait_until(check: Any, timeout: float = 5.0) -> Any:
    """Poll ``check()`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {check}")
        time.sleep(0.02)
