"""What each step may send to the controller, for S services (each five Avi objects).

The request counts are the product's contract with the controller, so the bench checks them on
every run (timings are for people; these are pass or fail):

    preview  nothing
    up       one login, one POST per object, nothing written twice (GETs: the preflight's
             reads and the virtual services' runtime while they come up)
    noop     nothing
    refresh  one login, one GET per object and one runtime GET per virtual service
    change   one login and one PUT (GETs: the preflight's reads before that write)
    destroy  one login, one DELETE per object
"""

from __future__ import annotations

from controller_log import ControllerView

OBJECTS_PER_SERVICE = 5


def problems(step: str, services: int, view: ControllerView) -> list[str]:
    """Where the step's requests break its limit (empty: within it)."""
    objects = OBJECTS_PER_SERVICE * services
    methods = dict(view.by_method)
    found: list[str] = []

    def exactly(method: str, n: int) -> None:
        if methods.get(method, 0) != n:
            found.append(f"{methods.get(method, 0)} {method}, expected {n}")

    def none_but(*allowed: str) -> None:
        extra = sorted(m for m in methods if m not in allowed and methods[m])
        if extra:
            found.append(f"unexpected {', '.join(extra)}")

    if step in ("preview", "noop"):
        if view.requests:
            found.append(f"{view.requests} requests, expected none")
        return found
    if view.logins != 1:
        found.append(f"{view.logins} logins, expected 1")
    if step == "up":
        exactly("POST", objects)
        none_but("POST", "GET")
    elif step == "refresh":
        exactly("GET", objects + services)
        none_but("GET")
    elif step == "change":
        exactly("PUT", 1)
        none_but("PUT", "GET")
    elif step == "destroy":
        exactly("DELETE", objects)
        none_but("DELETE")
    return found
