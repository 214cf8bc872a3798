"""Summarize a CSV of sales by region."""

import csv
import statistics
from collections import defaultdict


def load_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader)


def totals_by_region(rows):
    totals = defaultdict(float)
    for row in rows:
        amount = float(row["amount"])
        totals[row["region"]] += amount
    return dict(totals)


def summary(rows):
    amounts = [float(row["amount"]) for row in rows]
    middle = statistics.median(amounts)
    spread = statistics.pstdev(amounts)
    return {"median": middle, "stdev": spread, "count": len(amounts)}
