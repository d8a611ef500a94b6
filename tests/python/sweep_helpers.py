"""A sweep task for the tests: slow enough to interrupt, deterministic in its result."""
import os
import time


def square(x, delay=0.0, seed=0):
    time.sleep(delay)
    return {"y": x * x + seed, "pid": os.getpid()}
