"""Built-in workloads.

steady(**rates) -- constant per-cycle rates; after n active cycles every event count is exactly
floor(n * rate), except the slot events, which share out each cycle's slots so that they add up to
TOPDOWN.SLOTS exactly (docs/workloads.md "Slot accounting"). Workload files: load_workload().
"""
from ._pmusim import steady  # noqa: F401

__all__ = ["steady"]
