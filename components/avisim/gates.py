"""What a controller refuses before looking at a body's content: fields newer than the request's
API version (Swagger "Field introduced in X") and, on Essentials, what the edition may not set
(Swagger "Allowed in Enterprise edition with any value, Essentials edition(...)")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from avisim.errors import ApiError
from avisim.objtypes import display_name
from avisim.schema import ESSENTIALS, Schema
from avisim.versions import Version, introduced, wire_version


def check_gates(
    schema: Schema, edition: str, obj_type: str, fields: Mapping[str, Any], request: Version
) -> None:
    """400 for the first field newer than ``request``, then for every Essentials refusal."""
    newer = schema.newer_field(obj_type, fields, request)
    if newer is not None:
        # The controller's wording, as quoted in vmware/terraform-provider-avi issue #14:
        # "Incoming request (v18_2_2) has field (delete_server_on_dns_refresh) introduced in
        # later versions(v18_2_3)."
        latest = introduced(newer.spec["since"])[-1]
        raise ApiError(
            400,
            f"Incoming request ({wire_version(request)}) has field ({newer.name}) introduced "
            f"in later versions({wire_version(latest)}).",
        )
    if edition == ESSENTIALS:
        problems = schema.essentials_problems(obj_type, fields)
        if problems:
            raise ApiError(400, f"Invalid {display_name(obj_type)}: " + "; ".join(problems))
