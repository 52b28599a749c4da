"""`python -m avi_dsr.provider.dump_schema`: print the whole package schema (what the plugin's
GetSchema answers): the Avi resources and the components, for SDK generation."""

from __future__ import annotations

import json
import sys

from . import VERSION
from .components import Components
from .schema import merge_component_schema, package_schema


def full_schema(version: str = VERSION) -> dict:
    return merge_component_schema(package_schema(version), Components(version, "").schema())


def main() -> int:
    json.dump(full_schema(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
