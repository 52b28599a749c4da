"""avisim: an in-memory Avi controller REST API simulator for tests, benchmarks and demos.

Run it standalone with ``python -m avisim --port PORT`` or in-process with
``avisim.testing.running_simulator()``.
"""

from avisim.errors import ApiError

__all__ = ["ApiError"]
