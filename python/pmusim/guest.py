"""Guest programs: what a guest's own code does with its PMU, checked from inside the guest the way
KVM's selftests and kvm-unit-tests check it (docs/virtualization.md "Guest programs").

A program is a generator function: it yields actions and receives each access's outcome, so an
experiment can branch on what the guest saw::

    from pmusim import guest

    def probe():
        yield guest.wrmsr("IA32_PERFEVTSEL0", 0x43003C)           # cycles, USR+OS, EN
        yield guest.wrmsr("IA32_PERF_GLOBAL_CTRL", 1)
        yield guest.run(10_000)                                    # the guest's workload runs
        seen = yield guest.rdmsr("IA32_PMC0", range=(10_000, 10_500))
        if seen["exited"]:
            yield guest.rdpmc(0)

    report = pmusim.run_scenario(s, programs={"vm0": probe})
    pmusim.accesses_frame(report)        # one row per access: cycle, exited, value, #GP, bare metal

An outcome is a dict: value, gp, exited, cycle (physical), guest_cycle. A list of actions (with
loop()) is a program too. MSRs are addresses or their SDM names; negative values are two's
complement. Expectations: equals=, range=(min, max), bits_set=, bits_clear=,
byte_sum=(bytes, (min, max)) (PERF_METRICS' fields: byte_sum=(4, (0xFC, 0x102))), gp=True/False.
"""

__all__ = ["rdmsr", "wrmsr", "rdpmc", "run", "emulate", "loop", "program", "RDPMC_FIXED", "RDPMC_METRICS", "RDPMC_FAST"]

RDPMC_FIXED = 1 << 30
RDPMC_METRICS = 1 << 29
RDPMC_FAST = 1 << 31


def _expect(equals=None, range=None, bits_set=None, bits_clear=None, byte_sum=None, gp=None):
    e = {k: v for k, v in (("equals", equals), ("range", range), ("bits_set", bits_set),
                           ("bits_clear", bits_clear), ("byte_sum", byte_sum), ("gp", gp)) if v is not None}
    return e or None


def rdmsr(msr, *, label=None, **expect):
    """RDMSR of `msr` (address or name), with an optional expectation."""
    return {"op": "rdmsr", "index": msr, "expect": _expect(**expect), "label": label}


def wrmsr(msr, value, *, gp=None, label=None):
    """WRMSR `value` to `msr`; gp=True expects a #GP, gp=False expects none."""
    return {"op": "wrmsr", "index": msr, "value": value, "expect": _expect(gp=gp), "label": label}


def rdpmc(ecx, *, label=None, **expect):
    """RDPMC with ECX = `ecx` (RDPMC_FIXED | i, RDPMC_METRICS, RDPMC_FAST | i, ...)."""
    return {"op": "rdpmc", "index": ecx, "expect": _expect(**expect), "label": label}


def run(cycles, *, label=None):
    """Run the guest's workload for `cycles` of its own cycles."""
    return {"op": "run", "cycles": cycles, "label": label}


def emulate(instruction, *, label=None):
    """An instruction KVM intercepts and emulates ("cpuid", "hlt", "invd", "wrmsr_tsc_deadline",
    "wrmsr_x2apic_icr", "fep_nop", "fep_jmp"): it retires once on bare metal, and KVM counts it."""
    return {"op": "emulate", "instruction": instruction, "label": label}


def loop(count, body):
    """`body` (a list of actions) `count` times, iterated lazily."""
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"loop: count must be an int >= 1, got {count!r}")
    if not body:
        raise ValueError("loop: empty body")
    return {"op": "loop", "count": count, "body": list(body)}


def program(actions):
    """A generator function running a list of actions (with loops, never unrolled in memory)."""
    actions = list(actions)

    def walk(items):
        for a in items:
            if isinstance(a, dict) and a.get("op") == "loop":
                for _ in range(a["count"]):
                    yield from walk(a["body"])
            else:
                yield a

    return lambda: walk(actions)
