"""Retry a flaky call with exponential backoff and jitter."""

import functools
import logging
import random
import time

log = logging.getLogger(__name__)


def backoff(attempt, base=0.5, cap=30.0):
    delay = min(cap, base * (2**attempt))
    return delay * random.uniform(0.5, 1.0)


def retry(times=3, exceptions=(OSError,)):
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for attempt in range(times):
                try:
                    return func(*args, **kwargs)
                except exceptions as error:
                    wait = backoff(attempt)
                    log.warning("attempt %d failed: %s; waiting %.1fs", attempt, error, wait)
                    time.sleep(wait)
            return func(*args, **kwargs)

        return wrapper

    return decorate
