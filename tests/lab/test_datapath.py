"""The datapath lab, for real: one QEMU boot (module-scoped), then one test per check 0-10 read
from the guest's evidence summary, so a failure names the exact check and its evidence folder.

Slow (a cold run builds the image): marked `lab`; deselect with `-m "not lab"`.
"""

from pathlib import Path

import pytest

from lab import runner

pytestmark = [pytest.mark.lab, pytest.mark.timeout(1200)]


@pytest.fixture(scope="module")
def lab_run() -> dict:
    try:
        return runner.run_lab(timeout=720)
    except runner.LabError as exc:
        pytest.fail(f"the lab could not run: {exc}")


def results_for(lab_run: dict, check: int) -> list[dict]:
    if lab_run.get("error"):
        print(lab_run["error"])
    results = [r for r in lab_run["results"] if r["check"] == check]
    assert results, (
        f"check {check} produced no result ({lab_run.get('boot')}); evidence in "
        f"{Path(lab_run['run_dir']) / 'evidence'}"
    )
    return results


def assert_check(lab_run: dict, check: int) -> None:
    results = results_for(lab_run, check)
    if all(r["passed"] is None for r in results):
        pytest.skip("; ".join(r["detail"] for r in results))
    failures = [
        f"{r['name']}: {r['problems']} ({r['detail']})" for r in results if r["passed"] is False
    ]
    assert not failures, f"evidence in {lab_run['run_dir']}/evidence:\n" + "\n".join(failures)


def test_0_cloud_init_takes_the_rendered_seed_without_error_or_warning(lab_run):
    assert_check(lab_run, 0)


def test_1_ipv4_download_returns_directly_from_the_server(lab_run):
    assert_check(lab_run, 1)


def test_2_ipv6_ip6ip6_download_returns_directly_from_the_server(lab_run):
    assert_check(lab_run, 2)


def test_3_every_pool_server_serves_connections(lab_run):
    assert_check(lab_run, 3)


def test_4_the_rendered_named_tunnel_with_local_receives_the_traffic(lab_run):
    assert_check(lab_run, 4)


def test_5_no_arp_or_ndp_with_the_vip_as_sender_leaves_the_server(lab_run):
    assert_check(lab_run, 5)


def test_6_transfers_bigger_than_the_path_mtu_survive_the_encapsulation(lab_run):
    assert_check(lab_run, 6)


def test_7_each_negative_control_breaks_the_service(lab_run):
    results = results_for(lab_run, 7)
    controls = {r["name"].split("-", 1)[1].rsplit("-", 1)[0] for r in results}
    assert controls == {"strict-rp-filter", "no-vip", "no-tunnel", "gre-vip-on-ipip"}, controls
    assert_check(lab_run, 7)


def test_8_udp_request_response_works_through_the_vip(lab_run):
    assert_check(lab_run, 8)


def test_9_gre_download_returns_directly_from_the_server(lab_run):
    assert_check(lab_run, 9)


def test_10_existing_server_applied_live_over_ssh_serves_dsr_and_is_removed_cleanly(lab_run):
    assert_check(lab_run, 10)
