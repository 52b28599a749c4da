"""Connection validation: each bad field yields one failure naming the field and the fix."""

import pytest
from avi_dsr.avi.connection import AviConnectionArgs, connection_problems
from avi_dsr.controller_address import base_url

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
GOOD = AviConnectionArgs(controller="ctrl.example", username="admin", password="x").wire()

URL_CASES = [
    ("ctrl.example", "https://ctrl.example"),
    ("ctrl.example:8443", "https://ctrl.example:8443"),
    ("https://ctrl.example/", "https://ctrl.example"),
    ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
    ("[2001:db8::5]:8443", "https://[2001:db8::5]:8443"),
    ("2001:db8::5", "https://[2001:db8::5]"),  # check accepts it, so the client must too
]


@pytest.mark.parametrize(("controller", "url"), URL_CASES)
def test_base_url(controller, url):
    assert base_url(controller) == url
    assert connection_problems({**GOOD, "controller": controller}, "pw") == []


PROBLEM_CASES = [
    ({"controller": "https://ctrl/api"}, "x", "connection.controller", "no path"),
    ({"controller": "ctrl:99999"}, "x", "connection.controller", "host:port"),
    ({"controller": ""}, "x", "connection.controller", "host name or URL"),
    ({"controller": "https://[cafe]"}, "x", "connection.controller", "host:port"),
    ({"username": ""}, "x", "connection.username", "must be set"),
    ({"tenant": "my tenant"}, "x", "connection.tenant", "tenant name"),
    ({"api_version": "22.1"}, "x", "connection.api_version", "'22.1.4'"),
    ({"verify_tls": "yes"}, "x", "connection.verify_tls", "true or false"),
    ({"ca_bundle": "/nonexistent/ca.pem"}, "x", "connection.ca_bundle", "readable PEM"),
    ({}, "", "password", "secret"),
]


@pytest.mark.parametrize(("change", "password", "prop", "hint"), PROBLEM_CASES)
def test_problems_name_field_and_fix(change, password, prop, hint):
    problems = connection_problems({**GOOD, **change}, password)
    assert [p for p, _ in problems] == [prop]
    assert hint in problems[0][1]


def test_unknown_values_are_skipped():
    conn = {**GOOD, "controller": UNKNOWN, "tenant": UNKNOWN, "ca_bundle": UNKNOWN}
    assert connection_problems(conn, UNKNOWN) == []
