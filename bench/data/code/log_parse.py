"""Count HTTP status codes and slow requests in an access log."""

import re
from collections import Counter
from datetime import datetime

LINE = re.compile(r'(?P<ip>\S+) \S+ \S+ \[(?P<when>[^\]]+)\] "(?P<request>[^"]*)" (?P<status>\d{3}) (?P<ms>\d+)')


def parse(line):
    match = LINE.match(line)
    if match is None:
        return None
    fields = match.groupdict()
    fields["when"] = datetime.strptime(fields["when"], "%d/%b/%Y:%H:%M:%S %z")
    fields["ms"] = int(fields["ms"])
    return fields


def status_counts(lines):
    counts = Counter()
    for line in lines:
        record = parse(line)
        if record:
            counts[record["status"]] += 1
    return counts


def slow(lines, threshold_ms=1000):
    records = (parse(line) for line in lines)
    return [r for r in records if r and r["ms"] >= threshold_ms]
