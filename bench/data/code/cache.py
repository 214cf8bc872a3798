"""A small time-limited cache with a thread lock."""

import threading
import time
from collections import OrderedDict


class TTLCache:
    def __init__(self, capacity=128, ttl=60.0):
        self.capacity = capacity
        self.ttl = ttl
        self.items = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, default=None):
        with self.lock:
            entry = self.items.get(key)
            if entry is None:
                return default
            stored_at, value = entry
            if time.monotonic() - stored_at > self.ttl:
                del self.items[key]
                return default
            self.items.move_to_end(key)
            return value

    def put(self, key, value):
        with self.lock:
            self.items[key] = (time.monotonic(), value)
            self.items.move_to_end(key)
            while len(self.items) > self.capacity:
                self.items.popitem(last=False)
