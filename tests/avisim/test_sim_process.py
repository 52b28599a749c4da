"""Standalone use: the CLI, the state file across restarts, and TLS."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import requests
from avisim.__main__ import build_parser, faults_from_args
from avisim.testing import running_simulator
from simhelpers import avisdk_session, create


def test_cli_prints_one_ready_line_and_serves(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "avisim", "--port", "0", "--no-strict-dsr"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("avisim listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        assert requests.get(f"{url}/_avisim/rules", timeout=5).json()["strict_dsr"] is False
        assert requests.post(
            f"{url}/login", data={"username": "admin", "password": "admin"}, timeout=5
        ).ok
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0  # SIGTERM is a clean shutdown
        proc.stdout.close()
        proc.stderr.close()


def test_cli_fault_flags_become_fault_settings():
    args = build_parser().parse_args(
        [
            "--unauthorized-after",
            "5",
            "--fail-5xx",
            "2",
            "--fail-5xx-methods",
            "POST,PUT",
            "--drop-after-commit",
            "1",
        ]
    )
    assert faults_from_args(args) == {
        "unauthorized_after": 5,
        "fail_5xx": {"count": 2, "status": 503, "path_prefix": "/api/", "methods": ["POST", "PUT"]},
        "drop_after_commit": {"count": 1},
    }


def test_cli_reports_a_bad_state_file(tmp_path):
    bad = tmp_path / "state.json"
    bad.write_text("{nope")
    result = subprocess.run(
        [sys.executable, "-m", "avisim", "--port", "0", "--state-file", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "not valid JSON" in result.stderr and "Traceback" not in result.stderr


def test_state_file_keeps_objects_across_restarts(tmp_path):
    state = tmp_path / "avisim-state.json"
    with running_simulator(state_file=state) as sim:
        api = avisdk_session(sim)
        pool = create(api, "pool", {"name": "p", "default_server_port": 8080})
        system_cloud = api.get_object_by_name("cloud", "Default-Cloud")["uuid"]
    assert json.loads(state.read_text())["format"] == 1
    assert not list(tmp_path.glob(".avisim-state.json.*"))  # no temp files left behind
    with running_simulator(state_file=state) as sim:
        api = avisdk_session(sim)
        again = api.get(f"pool/{pool['uuid']}").json()
        assert again["default_server_port"] == 8080
        assert api.get_object_by_name("cloud", "Default-Cloud")["uuid"] == system_cloud
        assert api.post("pool", data={"name": "p"}).status_code == 409
        cloud = api.get_object_by_name("cloud", "Default-Cloud")
        assert api.delete(f"cloud/{cloud['uuid']}").status_code == 400  # still a system object


@pytest.fixture(scope="module")
def tls_sim(tmp_path_factory):
    with running_simulator(tls=True, cert_dir=tmp_path_factory.mktemp("tls") / "certs") as sim:
        yield sim


@pytest.fixture
def no_env_ca_bundle(monkeypatch):
    """requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's ``verify`` on every
    call that does not pass ``verify=`` itself, which is how avisdk calls after login."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_with_verify_false(tls_sim, no_env_ca_bundle):
    assert tls_sim.url.startswith("https://127.0.0.1:")
    api = avisdk_session(tls_sim, verify=False)
    assert api.get("pool").status_code == 200


def test_tls_verified_against_the_generated_ca(tls_sim, no_env_ca_bundle):
    api = avisdk_session(tls_sim, verify=str(tls_sim.ca_cert_path))
    assert create(api, "pool", {"name": "tls-pool"})["url"].startswith("https://127.0.0.1:")
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{tls_sim.url}/_avisim/health", timeout=5, verify=True)
    ca = requests.get(f"{tls_sim.url}/_avisim/ca.pem", timeout=5, verify=str(tls_sim.ca_cert_path))
    assert ca.text.startswith("-----BEGIN CERTIFICATE-----")
    assert (tls_sim.ca_cert_path.parent / "server.key").stat().st_mode & 0o077 == 0


def _start(*args: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "avisim", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = proc.stdout.readline().strip()
    assert line.startswith("avisim listening on "), proc.stderr.read()
    return proc, line.rsplit(" ", 1)[1]


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    assert proc.wait(timeout=10) == 0
    proc.stdout.close()
    proc.stderr.close()


def test_cli_controller_flags(tmp_path):
    secret = tmp_path / "password"
    secret.write_text("s3cret\n")
    proc, url = _start(
        "--controller-version", "30.2.1", "--license", "essentials", "--cloud-type", "none",
        "--network", "segment=10.5.0.0/24", "--ipam", "--se-assign-ms", "0",
        "--password-file", str(secret),
    )  # fmt: skip
    try:
        health = requests.get(f"{url}/_avisim/health", timeout=5).json()
        assert {k: health[k] for k in ("controller_version", "license", "cloud_type")} == {
            "controller_version": "30.2.1",
            "license": "essentials",
            "cloud_type": "none",
        }
        login = {"username": "admin", "password": "s3cret"}
        http = requests.Session()
        assert http.post(f"{url}/login", json=login, timeout=5).ok
        http.headers["X-Avi-Version"] = "30.2.1"
        networks = http.get(f"{url}/api/network", timeout=5).json()["results"]
        assert [n["name"] for n in networks] == ["segment"]
        cloud = http.get(f"{url}/api/cloud", params={"name": "Default-Cloud"}, timeout=5).json()
        assert cloud["results"][0]["ipam_provider_ref"]
    finally:
        _stop(proc)


def test_cli_password_from_the_environment():
    proc, url = _start(env={**os.environ, "AVISIM_PASSWORD": "from-env"})
    try:
        login = {"username": "admin", "password": "from-env"}
        assert requests.post(f"{url}/login", json=login, timeout=5).ok
    finally:
        _stop(proc)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--network", "nope"], "--network 'nope': write NAME=CIDR"),
        (["--license", "essentials", "--cloud-type", "nsxt"], "'CLOUD_NSXT' is not allowed"),
        (["--license", "basic"], "invalid choice: 'basic'"),
        (["--controller-version", "31.1.1"], "invalid choice: '31.1.1'"),
    ],
)
def test_cli_refuses_bad_controller_flags_without_a_traceback(args, fragment):
    result = subprocess.run(
        [sys.executable, "-m", "avisim", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert fragment in result.stderr and "Traceback" not in result.stderr


def test_a_state_file_belongs_to_one_controller_version_and_edition(tmp_path):
    state = tmp_path / "state.json"
    with running_simulator(state_file=state):
        pass
    with pytest.raises(ValueError, match=r"written by a 22\.1\.4 enterprise controller"):
        running_simulator(state_file=state, controller_version="30.2.1").__enter__()
