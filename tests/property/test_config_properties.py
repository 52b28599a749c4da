"""Properties of the stack-config parser: whatever the input, only a clean ConfigError or a
spec comes out; the error is short; and what it accepts renders files the real tools accept."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from avi_dsr.config import ConfigError, StackSpec, parse_stack
from avi_dsr.config.fields import MAX_REPORTED
from avi_dsr.config.sources import values_from_stack_file
from avi_dsr.server import render_apply_script, render_cloud_init, render_netplan, server_files
from avi_dsr.server.paths import NETPLAN_PATH
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from real_tools import cloud_init_schema, netplan_generate, require_tools, sh_syntax
from strategies import mutated_stack_values, stack_values, yaml_values

MAX_LINE = 400  # a problem line: key + message with a bounded value


def parse_or_error(values: Any) -> StackSpec | ConfigError:
    """parse_stack's result; any exception but ConfigError fails the property."""
    try:
        return parse_stack(values)
    except ConfigError as err:
        return err


def assert_short(err: ConfigError) -> None:
    lines = str(err).splitlines()
    assert len(lines) <= MAX_REPORTED + 2, f"{len(lines)} lines"
    assert all(len(line) <= MAX_LINE for line in lines), max(lines, key=len)[:200]
    assert err.problems, "an error without a problem"


@given(
    st.dictionaries(
        st.sampled_from(["controller", "servers", "services", "ssh", "vcenter", "bogus"]),
        yaml_values,
        max_size=5,
    )
)
def test_any_document_gives_a_spec_or_a_short_config_error(values):
    result = parse_or_error(values)
    if isinstance(result, ConfigError):
        assert_short(result)


@given(mutated_stack_values())
def test_a_valid_config_with_odd_values_gives_a_spec_or_a_short_config_error(values):
    result = parse_or_error(values)
    if isinstance(result, ConfigError):
        assert_short(result)


@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_any_stack_file_gives_values_or_a_config_error(data):
    with tempfile.TemporaryDirectory(prefix="avi-dsr-prop-") as tmp:
        path = Path(tmp) / "Pulumi.x.yaml"
        path.write_bytes(b"config:\n  avi-dsr:servers: " + data)
        try:
            values, _secrets = values_from_stack_file(path)
        except ConfigError as err:
            assert_short(err)
            return
    result = parse_or_error(values)
    if isinstance(result, ConfigError):
        assert_short(result)


@settings(max_examples=25)
@given(stack_values())
def test_accepted_configs_render_what_netplan_cloud_init_and_sh_accept(values):
    require_tools()
    result = parse_or_error(values)
    event("refused" if isinstance(result, ConfigError) else "accepted")
    assume(not isinstance(result, ConfigError))  # refusals: the properties above
    for server in result.servers:
        spec = result.server_spec(server.name)
        if server.kind == "vsphere":
            netplan = netplan_generate(render_netplan(spec))
            assert netplan.returncode == 0, netplan.stderr
            schema = cloud_init_schema(render_cloud_init(spec).user_data)
            assert schema.returncode == 0, schema.stdout + schema.stderr
        else:
            tunnels = server_files(spec)[NETPLAN_PATH][1]
            netplan = netplan_generate(tunnels)
            assert netplan.returncode == 0, netplan.stderr
            stage_root = server.ssh.stage_root if server.ssh else None
            script = sh_syntax(render_apply_script(spec, stage_root=stage_root))
            assert script.returncode == 0, script.stderr
