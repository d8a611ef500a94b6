"""What-if studies on scenarios: a scenario as a plain dict, changed by dotted paths, parsed back
with the same validation as a file (errors name the field).

    d = pmusim.scenario_dict("perf_metrics_patch")
    pmusim.set_param(d, "guests.vm0.run", {"dist": "exponential", "mean": 5000})   # VM-exit rate
    pmusim.set_param(d, "costs.vmexit", 800)                                      # VM-exit cost
    pmusim.set_param(d, "overrides.metrics_field_bits", 16)                       # PERF_METRICS resolution
    pmusim.set_param(d, "protocol", {"base": "mediated", "edits": ["remove:put_perf_metrics"]})
    s = pmusim.scenario_from_dict(d)

Every CPU override and semantic switch of pmusim.override_fields() goes under `overrides`.
"""
import os

from . import _pmusim

__all__ = ["scenario_dict", "scenario_from_dict", "set_param", "get_param", "event_filter"]


def _yaml():
    import yaml  # on use: `import pmusim` stays light (docs/performance.md "Python")

    return yaml


def _path(spec):
    if os.path.sep in spec or spec.endswith(".yaml"):
        return spec
    names = _pmusim.scenario_library()
    if spec not in names:
        raise ValueError(f"scenario '{spec}': no such file or built-in scenario (built-in: {' '.join(names)})")
    return os.path.join(_scenario_dir(), spec + ".yaml")


def _scenario_dir():
    return _pmusim.scenario_library_dir()


def scenario_dict(spec):
    """The scenario file (a built-in name or a path) as a dict. A file that is not a regular file,
    is larger than pmusim.limits["input_file_bytes"] or is not YAML raises ValueError naming it."""
    path = _path(spec)
    _pmusim.check_input_file(path, "scenario")
    try:
        with open(path, "rb") as f:
            return _yaml().safe_load(f)
    except _yaml().YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else path
        raise ValueError(f"{where}: YAML syntax: {getattr(e, 'problem', None) or e}") from None


def scenario_from_dict(d, origin="<dict>"):
    """A pmusim.Scenario from a dict; invalid fields raise ValueError naming them."""
    return _pmusim.parse_scenario(_yaml().safe_dump(d, sort_keys=False), origin)


def event_filter(d, origin="<dict>"):
    """A pmusim.EventFilter from a dict in the form of a scenario's `event_filter` key
    ({"action": "deny", "events": [0xc4, {"event": 0xc0, "umask": 0}], "fixed_counter_bitmap": 1}
    or {"masked": [{"event": 0xa4, "mask": 0xff, "match": 2, "exclude": False}]}), validated as
    KVM_SET_PMU_EVENT_FILTER does: ValueError names the field and KVM's errno."""
    return _pmusim.parse_event_filter(_yaml().safe_dump(d, sort_keys=False), origin)


def _walk(d, path, create):
    keys = path.split(".")
    node = d
    for i, key in enumerate(keys[:-1]):
        if isinstance(node, list):
            match = [g for g in node if isinstance(g, dict) and g.get("name") == key]
            if not match:
                raise KeyError(f"{'.'.join(keys[:i + 1])}: no list entry named '{key}'")
            node = match[0]
        else:
            if key not in node:
                if not create:
                    raise KeyError(f"{'.'.join(keys[:i + 1])}: no such field")
                node[key] = {}
            node = node[key]
    return node, keys[-1]


def set_param(d, path, value):
    """Set a dotted field ("costs.vmexit", "guests.vm0.perf.interval") in a scenario dict; guests are
    addressed by name. Missing mappings are created. Returns d."""
    node, key = _walk(d, path, True)
    node[key] = value
    return d


def get_param(d, path):
    """Read a dotted field of a scenario dict (KeyError naming the path when absent)."""
    node, key = _walk(d, path, False)
    if key not in node:
        raise KeyError(f"{path}: no such field")
    return node[key]
