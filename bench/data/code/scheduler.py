"""Run jobs in priority order with a heap."""

import heapq
import itertools
import time


class Scheduler:
    def __init__(self):
        self.queue = []
        self.counter = itertools.count()

    def add(self, priority, job):
        order = next(self.counter)
        heapq.heappush(self.queue, (priority, order, job))

    def run(self, budget_seconds=1.0):
        started = time.perf_counter()
        done = []
        while self.queue:
            if time.perf_counter() - started > budget_seconds:
                break
            priority, _order, job = heapq.heappop(self.queue)
            result = job()
            done.append((priority, result))
        return done

    def pending(self):
        return [job for _priority, _order, job in sorted(self.queue)]
