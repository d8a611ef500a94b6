"""A sweep task for the tests: slow enough to interrupt, deterministic in its result."""
import os
import time


def square(x, delay=0.0, seed=0):
    time.sleep(delay)
    return {"y": x * x + seed, "pid": os.getpid()}


def chatty(x):
    print("a task that prints: its worker's answers must not take it in")
    os.write(1, b"even through file descriptor 1\n")
    return {"y": x, "pid": os.getpid()}


def die(code=3):
    os._exit(code)
