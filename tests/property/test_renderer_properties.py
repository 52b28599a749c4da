"""Properties of the pure renderers: a ServerSpec is either refused with ServerSpecError or
renders, every time, files the real netplan, cloud-init and sh accept."""

from __future__ import annotations

from typing import Any

from avi_dsr.server import (
    ServerSpec,
    ServerSpecError,
    config_digest,
    guestinfo_extra_config,
    render_apply_script,
    render_cloud_init,
    render_modules_load,
    render_netplan,
    render_remove_script,
    render_sysctl,
    server_files,
)
from avi_dsr.server.stage_root import normalize_stage_root, stage_root_problem
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from real_tools import cloud_init_schema, netplan_generate, require_tools, sh_syntax
from strategies import domains, interfaces, nasty_text, server_names, stage_roots, yaml_values

odd = st.one_of(yaml_values, nasty_text)


def render_everything(spec: ServerSpec, stage_root: str | None = None) -> dict[str, Any]:
    """Every renderer's output for one spec (what the components and `avi-dsr render` use)."""
    return {
        "sysctl": render_sysctl(spec),
        "modules": render_modules_load(spec),
        "netplan": render_netplan(spec),
        "tunnels": render_netplan(spec, tunnels_only=True),
        "cloud_init": render_cloud_init(spec),
        "guestinfo": guestinfo_extra_config(spec),
        "files": server_files(spec),
        "apply": render_apply_script(spec, stage_root=stage_root),
        "remove": render_remove_script(spec, stage_root=stage_root),
        "digest": config_digest(spec),
    }


@given(
    name=st.one_of(server_names, odd),
    interface=st.one_of(interfaces, odd),
    ipv4=st.one_of(st.none(), st.just("198.51.100.11/24"), odd),
    gateway4=st.one_of(st.none(), st.just("198.51.100.1"), odd),
    ipv6=st.one_of(st.none(), st.just("2001:db8:20::11/64"), odd),
    vips4=st.one_of(st.just(("203.0.113.10",)), st.lists(odd, max_size=3), odd),
    search=st.one_of(st.lists(domains, max_size=2), st.lists(odd, max_size=2), odd),
    ubuntu_release=st.one_of(st.sampled_from(["22.04", "24.04"]), odd),
    underlay_mtu=st.one_of(st.sampled_from([1500, 9000]), odd),
)
def test_any_spec_is_refused_cleanly_or_renders(**fields):
    try:
        spec = ServerSpec(**fields)
    except ServerSpecError as err:
        assert err.errors and all(len(str(e).splitlines()) == 1 for e in err.errors)
        return
    rendered = render_everything(spec)
    assert rendered["digest"] == config_digest(spec)  # deterministic


@given(st.one_of(stage_roots, nasty_text, odd).filter(lambda root: root is not None))  # None: live
def test_any_stage_root_is_refused_by_the_shared_rule_or_quoted_safely(stage_root):
    spec = ServerSpec(name="web01", ipv4="198.51.100.11/24", vips4=("203.0.113.10",))
    problem = stage_root_problem(stage_root)
    if problem is not None:
        try:
            render_apply_script(spec, stage_root=stage_root)
        except ValueError as err:
            assert str(err) == f"stage_root: {problem}"  # one rule, one message
            return
        raise AssertionError(f"the renderer accepted {stage_root!r}, the rule did not")
    script = render_apply_script(spec, stage_root=stage_root)
    assert normalize_stage_root(stage_root) != "/"
    result = sh_syntax(script)
    assert result.returncode == 0, result.stderr


specs = st.builds(
    lambda name, iface, host, dual, vips, release, mtu, search: ServerSpec(
        name=name,
        interface=iface,
        ipv4=f"198.51.100.{host}/24",
        gateway4="198.51.100.1",
        ipv6=f"2001:db8:20::{host:x}/64" if dual else None,
        gateway6="fe80::1" if dual else None,
        vips4=tuple(f"203.0.113.{v}" for v in vips),
        vips6=tuple(f"2001:db8:100::{v:x}" for v in vips) if dual else (),
        ubuntu_release=release,
        underlay_mtu=mtu,
        search=tuple(search),
    ),
    name=server_names,
    iface=interfaces,
    host=st.integers(min_value=2, max_value=254),
    dual=st.booleans(),
    vips=st.lists(st.integers(min_value=1, max_value=254), max_size=4),
    release=st.sampled_from(["22.04", "24.04"]),
    mtu=st.sampled_from([1320, 1500, 9000, 9216]),
    search=st.lists(domains, max_size=3),
)


@settings(max_examples=20)
@given(spec=specs, stage_root=st.one_of(st.none(), stage_roots))
def test_valid_specs_render_what_netplan_cloud_init_and_sh_accept(spec, stage_root):
    require_tools()
    assume(stage_root is None or stage_root_problem(stage_root) is None)
    rendered = render_everything(spec, stage_root)
    for key in ("netplan", "tunnels"):
        result = netplan_generate(rendered[key])
        assert result.returncode == 0, f"{key}: {result.stderr}"
    schema = cloud_init_schema(rendered["cloud_init"].user_data)
    assert schema.returncode == 0, schema.stdout + schema.stderr
    for key in ("apply", "remove"):
        result = sh_syntax(rendered[key])
        assert result.returncode == 0, f"{key}: {result.stderr}"
