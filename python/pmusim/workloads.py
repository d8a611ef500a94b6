"""Built-in workloads.

steady(**rates) -- constant per-cycle rates; after n active cycles every event count is exactly
floor(n * rate). Phase-based workload files arrive with issue #3.
"""
from ._pmusim import steady  # noqa: F401

__all__ = ["steady"]
