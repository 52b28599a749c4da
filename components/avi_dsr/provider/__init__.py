"""The avi-dsr provider plugin (`pulumi-resource-avi-dsr`): Avi objects for every language."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("avi-dsr")
except PackageNotFoundError:  # running from a source tree without an install
    VERSION = "0.0.0"
