"""What a preflight reads about the licence: the controller's licence (Swagger
ControllerLicense.json, ``/api/license``), the licence status (LicenseStatus.json,
``/api/licensing/status``) and the system configuration's default tier
(SystemConfiguration.default_license_tier: "Special default for Essentials edition is
ESSENTIALS ... Enterprise is ENTERPRISE_WITH_CLOUD_SERVICES"; the simulator's Enterprise licence is
plain ENTERPRISE)."""

from __future__ import annotations

from typing import Any

from avisim.seed import LICENSE_TIERS

_VALID_UNTIL = "2099-12-31 00:00:00"
_CORES = 16


def controller_license(edition: str, base_url: str) -> dict[str, Any]:
    """One ControllerLicense (``license_tier``, ``license_tiers[].tier_type``, ``licenses[]``)."""
    tier = LICENSE_TIERS[edition]
    uuid = "controllerlicense-avisim"
    return {
        "uuid": uuid,
        "url": f"{base_url}/api/license/{uuid}",
        "name": "avisim",
        "customer_name": "avisim",
        "start_on": "2024-01-01 00:00:00",
        "valid_until": _VALID_UNTIL,
        "cores": _CORES,
        "license_tier": [tier],
        "license_tiers": [{"tier_type": tier, "cores": _CORES}],
        "licenses": [
            {
                "license_id": "avisim-1",
                "license_name": f"avisim {tier.lower()}",
                "customer_name": "avisim",
                "tier_type": tier,
                "license_type": "LIC_CORES",
                "cores": _CORES,
                "start_on": "2024-01-01 00:00:00",
                "valid_until": _VALID_UNTIL,
                "expired": False,
            }
        ],
    }


def license_status(base_url: str) -> dict[str, Any]:
    uuid = "licensestatus-avisim"
    return {"uuid": uuid, "url": f"{base_url}/api/licensing/status/{uuid}"}


def system_configuration(edition: str, base_url: str) -> dict[str, Any]:
    """The parts of the SystemConfiguration singleton a client reads about the licence."""
    return {
        "uuid": "default",
        "url": f"{base_url}/api/systemconfiguration",
        "default_license_tier": LICENSE_TIERS[edition],
        "portal_configuration": {"allow_basic_authentication": False},
    }
