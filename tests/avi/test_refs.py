"""Refs in every accepted form reduce to the same object."""

import pytest
from avi_dsr.avi.refs import canonical_ref, canonicalize_refs, harvest_names, parse_ref, refs_equal

U = "pool-6426d0be-1111-4222-8333-444455556666"
V = "pool-00000000-1111-4222-8333-444455556666"

PARSE_CASES = [
    ("/api/pool?name=web", ("pool", None, "web")),
    ("/api/pool/?name=web&tenant=admin&cloud=Default-Cloud", ("pool", None, "web")),
    (f"https://ctrl/api/pool/{U}#web", ("pool", U, "web")),
    (f"/api/pool/{U}", ("pool", U, None)),
    (U, ("pool", U, None)),
    ("System-TCP", None),
]


@pytest.mark.parametrize(("ref", "expected"), PARSE_CASES)
def test_parse_ref(ref, expected):
    parsed = parse_ref(ref)
    assert (parsed and (parsed.obj_type, parsed.uuid, parsed.name)) == expected


EQUAL_CASES = [
    # desired, observed, known names, equal?
    ("/api/pool?name=web", f"https://ctrl/api/pool/{U}#web", {}, True),
    ("/api/pool?name=web", f"https://ctrl/api/pool/{U}", {U: "web"}, True),
    ("/api/pool?name=web", f"https://ctrl/api/pool/{U}", {}, False),
    ("/api/pool?name=other", f"https://ctrl/api/pool/{U}", {U: "web"}, False),
    (f"/api/pool/{U}", f"https://ctrl/api/pool/{U}#web", {}, True),
    (U, f"https://ctrl/api/pool/{U}", {}, True),
    (V, f"https://ctrl/api/pool/{U}", {}, False),
    ("/api/vsvip?name=web", f"https://ctrl/api/pool/{U}#web", {}, False),
]


@pytest.mark.parametrize(("desired", "observed", "names", "equal"), EQUAL_CASES)
def test_refs_equal(desired, observed, names, equal):
    assert refs_equal(desired, observed, names) is equal


def test_canonical_forms_drop_the_host_and_keep_the_name():
    """The name stays, so a by-name ref in a body compares with the stored state."""
    assert canonical_ref(f"https://ctrl:8443/api/pool/{U}#web") == f"/api/pool/{U}#web"
    assert canonical_ref(f"https://ctrl:8443/api/pool/{U}") == f"/api/pool/{U}"
    assert canonical_ref("/api/pool?name=web") == "/api/pool?name=web"
    body = {"pool_ref": f"https://c/api/pool/{U}#web", "name": "https://c/api/pool/x", "n": 1}
    assert canonicalize_refs(body) == {
        "pool_ref": f"/api/pool/{U}#web",
        "name": body["name"],
        "n": 1,
    }
    assert refs_equal("/api/pool?name=web", canonical_ref(f"https://c/api/pool/{U}#web"), {})


def test_harvest_names_from_write_response():
    rsp = {"pool_ref": f"https://c/api/pool/{U}#web", "refs": [{"x_refs": [f"/api/pool/{V}#b"]}]}
    assert harvest_names(rsp) == {U: "web", V: "b"}
