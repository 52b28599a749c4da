"""The shared input rules one by one: text, IP parsing, stage roots, error summaries, stack-file
reading and the render CLI's error path."""

from __future__ import annotations

import pytest
from avi_dsr.cli import main as cli_main
from avi_dsr.config import ConfigError
from avi_dsr.config.fields import MAX_REPORTED, summarize
from avi_dsr.config.sources import MAX_STACK_FILE, values_from_stack_file
from avi_dsr.controller_address import address_problem, is_tenant_name
from avi_dsr.ipcheck import parse_address, parse_interface
from avi_dsr.server.stage_root import normalize_stage_root, stage_root_problem
from avi_dsr.textcheck import MAX_SHOWN, describe, refused_character, short_list, text_problem
from avi_dsr.versions import is_version

# ----------------------------------------------------------------------------- text


class _HostileRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


@pytest.mark.parametrize(
    "value",
    [
        "x" * 10**6,
        10**5000,
        list(range(10**5)),
        {str(i): i for i in range(10**4)},
        [[[[[[["deep"]]]]]]],
        _HostileRepr(),
    ],
    ids=["long-string", "huge-int", "long-list", "big-dict", "deep", "hostile-repr"],
)
def test_describe_is_bounded_whatever_the_value(value):
    text = describe(value)
    assert 0 < len(text) <= MAX_SHOWN


def test_describe_keeps_short_values_exact():
    assert describe("web\n") == "'web\\n'"
    assert describe(None) == "None"
    assert describe([80]) == "[80]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("web01\n", "newline, U+000A) at position 5"),
        ("a\rb", "carriage return, U+000D) at position 1"),
        ("\x00", "NUL, U+0000) at position 0"),
        ("a\u0085", "a control character (U+0085)"),
        ("a\u2028b", "a line separator (U+2028)"),
        ("a\u200bb", "an invisible format character (U+200B)"),
        ("\ud800", "a lone surrogate (U+D800)"),
    ],
)
def test_refused_characters_are_named_with_their_position(text, expected):
    problem = refused_character(text)
    assert problem is not None and expected in problem


@pytest.mark.parametrize("text", ["web01", "Default Cloud", "café", "a/b?c#d", "日本"])
def test_ordinary_text_passes(text):
    assert refused_character(text) is None and text_problem(text) is None


def test_text_problem_limits_and_types():
    assert text_problem(None) == "must be a non-empty string, got None"
    assert text_problem("   ") == "must be a non-empty string, got '   '"
    assert text_problem("a" * 300) == "is 300 characters long; at most 256 are allowed"
    assert text_problem("a" * 300, max_len=300) is None


def test_short_list_counts_the_rest():
    assert short_list(["a", "b"]) == "a, b"
    assert short_list(range(100), limit=3) == "0, 1, 2, ... (100 in all)"


# ----------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    "text", ["2001:db8::10%eth0", "2001:db8::10%x\ny", "fe80::1%1", 3232235777, True, None]
)
def test_scoped_or_non_text_addresses_are_refused(text):
    with pytest.raises(ValueError):
        parse_address(text)


def test_scoped_interface_is_refused_although_ipaddress_drops_the_scope_from_ip():
    with pytest.raises(ValueError):
        parse_interface("2001:db8:20::11%eth0/64")
    assert str(parse_interface(" 198.51.100.11/24 ")) == "198.51.100.11/24"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("avi.lab.example", True),
        ("https://[2001:db8::5]:8443", True),
        ("avi.lab.example\n", True),  # surrounding whitespace is stripped before parsing
        ("avi lab.example", False),
        ("avi.lab\nexample", False),
        ("https://[fe80::1%eth0]", False),
        ("avi.lab.example:99999", False),
    ],
)
def test_controller_addresses_match_whole(value, ok):
    assert (address_problem(value) is None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("22.1.4", True),
        ("22.1.4\n", False),
        ("\uff12\uff12.1.4", False),
        ("22.1", False),
        (22, False),
    ],
)
def test_api_version_is_matched_whole_in_ascii_digits(value, ok):
    assert is_version(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("admin", True), ("team-a", True), ("admin\n", False), ("a b", False), ("a\x00", False)],
)
def test_tenant_names(value, ok):
    assert is_tenant_name(value) is ok


# ----------------------------------------------------------------------- stage root


@pytest.mark.parametrize(
    "root",
    [
        "/tmp/avi-dsr-stage",
        "/home/ops/.cache/avi-dsr/stage/web01",  # a user's own directory on the server
        "/tmp/avi dsr 'stage' $HOME",
        "/var/tmp/stage/",
        "/srv/stage",
    ],
)
def test_stage_roots_that_are_directories_of_their_own_pass(root):
    assert stage_root_problem(root) is None


@pytest.mark.parametrize(
    ("root", "says"),
    [
        ("/", "would stage over the live system"),
        ("//", "would stage over the live system"),
        ("/.", "would stage over the live system"),
        ("/etc", "is inside a system directory"),
        ("/etc/netplan", "is inside a system directory"),
        ("/usr/local/x", "is inside a system directory"),
        ("/sys/x", "is inside a system directory"),
        ("/boot", "is inside a system directory"),
        ("/tmp", "is a shared system directory"),
        ("/var", "is a shared system directory"),
        ("/home", "is a shared system directory"),
        ("stage", "is relative"),
        ("~/stage", "is relative"),
        ("/tmp/../etc", "contains '..'"),
        ("/tmp/a\n/etc", "newline"),
        ("", "must be an absolute directory"),
        (None, "must be an absolute directory"),
        ("/" + "a" * 5000, "a path has at most 4095"),
    ],
)
def test_stage_roots_that_would_touch_the_system_are_refused(root, says):
    problem = stage_root_problem(root)
    assert problem is not None and says in problem


def test_stage_root_is_normalized():
    assert normalize_stage_root("//tmp//stage/./x/") == "/tmp/stage/x"


# --------------------------------------------------------------------- summaries


def test_summary_folds_the_same_problem_on_consecutive_items():
    lines = [f"k.ports[{i}]: port must be between 1 and 65535, got 0" for i in range(5000)]
    assert summarize(lines) == [
        "k.ports[0] and 4999 more like it: port must be between 1 and 65535, got 0"
    ]


def test_summary_keeps_different_problems_apart_and_caps_the_rest():
    lines = [f"k.servers[{i}].name: bad {i}" for i in range(50)]
    shown = summarize(lines)
    assert shown[:2] == ["k.servers[0].name: bad 0", "k.servers[1].name: bad 1"]
    assert len(shown) == MAX_REPORTED + 1
    assert shown[-1] == "... and 30 more; fix the problems above and run again"


def test_summary_never_folds_keys_without_an_index():
    assert summarize(["a: x", "a: x"]) == ["a: x", "a: x"]


def test_config_error_keeps_every_problem_for_programs():
    err = ConfigError([f"k[{i}]: same" for i in range(100)])
    assert len(err.problems) == 100
    assert str(err).splitlines() == [
        "100 problems in the stack config:",
        "  - k[0] and 99 more like it: same",
    ]


# ---------------------------------------------------------------------- stack files


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"config:\n  avi-dsr:servers: " + b"[" * 20000 + b"]" * 20000, "nested deeper than 64"),
        (b"config:\n  avi-dsr:services: [{ports: [" + b"9" * 5000 + b"]}]", "digits"),
        (b"config:\n  avi-dsr:controller: {address: \xff\xfe}", "not valid YAML"),
        (b"config:\n  avi-dsr:controller: !!python/object/apply:os.system [id]", "tag"),
        (b"config: [unclosed", "not valid YAML"),
        (b"- just a list", "has no 'config:' mapping"),
    ],
    ids=["deep", "huge-int", "bad-utf8", "python-tag", "syntax", "no-config"],
)
def test_hostile_stack_files_are_config_errors(tmp_path, content, says):
    path = tmp_path / "Pulumi.x.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        values_from_stack_file(path)
    assert says in str(caught.value)
    assert all(len(line) < 600 for line in str(caught.value).splitlines())


def test_oversized_stack_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "Pulumi.x.yaml"
    path.write_bytes(b"#" * (MAX_STACK_FILE + 1))
    with pytest.raises(ConfigError, match="larger than 8 MiB; not a stack file"):
        values_from_stack_file(path)


def test_stack_file_that_is_a_directory(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the stack file"):
        values_from_stack_file(tmp_path)


# -------------------------------------------------------------------------- the CLI


def test_render_into_an_unwritable_place_is_one_line_not_a_traceback(tmp_path, capsys):
    stack = tmp_path / "Pulumi.t.yaml"
    stack.write_text(
        "config:\n"
        "  avi-dsr:controller: {address: avi.lab.example}\n"
        "  avi-dsr:servers: [{name: web01, kind: vsphere, ipv4: 198.51.100.11/24}]\n"
        "  avi-dsr:services: [{name: web, vip: 203.0.113.10, ports: [80], servers: [web01]}]\n"
        "  avi-dsr:vcenter: {server: vc.lab.example, username: u, datacenter: dc,\n"
        "                    cluster: c, datastore: ds, network: n, template: t}\n"
    )
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert cli_main(["render", "--stack", str(stack), "--out", str(blocker / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"avi-dsr: cannot write under {blocker / 'out'}: ")
    assert "Not a directory" in err and "Traceback" not in err


def test_render_of_a_hostile_stack_exits_1_with_the_problems(tmp_path, capsys):
    stack = tmp_path / "Pulumi.t.yaml"
    stack.write_text('config:\n  avi-dsr:controller: {address: "avi.lab.example\\n"}\n')
    assert cli_main(["render", "--stack", str(stack), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "avi-dsr:controller.address: contains a control character (newline" in err
    assert not (tmp_path / "out").exists()
