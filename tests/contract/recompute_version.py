#!/usr/bin/env python3
"""Recomputes a dataset's version from its four CSV files by the definition in
README.md ("The dataset version"), independently of the server's code, and
prints it. Usage: recompute_version.py DIR"""

import csv
import hashlib
import struct
import sys
from pathlib import Path

QUALIFIERS = {"exact": 1, "about": 2, "over": 3, "under": 4, "nearly": 5}
STATUSES = {"final": 1, "preliminary": 2, "estimate": 3}
RELIABILITIES = {"unverified": 1, "news": 2, "aggregator": 3,
                 "official_mirror": 4, "official": 5}


def records(directory, name):
    """The records of a file after its header, blank lines skipped."""
    with open(Path(directory) / name, newline="", encoding="utf-8") as f:
        rows = [row for row in csv.reader(f) if row]
    return rows[1:]


def text(value):
    data = value.encode("utf-8")
    return struct.pack("<I", len(data)) + data


def period_key(period):
    """By last month; a month before the year that ends with it."""
    year, _, month = period.partition("-")
    last_month = int(year) * 12 + (int(month) if month else 12)
    return last_month * 2 + (0 if month else 1)


def date_key(date):
    """YYYYMMDD with missing parts 0; undated 0 (the oldest)."""
    parts = [int(p) for p in date.split("-")] if date else []
    parts += [0] * (3 - len(parts))
    return parts[0] * 10000 + parts[1] * 100 + parts[2]


def version(directory):
    out = bytearray()
    indicators = sorted(records(directory, "indicators.csv"),
                        key=lambda r: r[0].encode())
    regions = sorted(records(directory, "regions.csv"),
                     key=lambda r: r[0].encode())
    sources = sorted(records(directory, "sources.csv"),
                     key=lambda r: r[0].encode())
    for name, table in (("indicators", indicators), ("regions", regions),
                        ("sources", sources)):
        out += text(name) + struct.pack("<Q", len(table))
        for row in table:
            if name == "indicators":
                row = row[:3] + [str(int(row[3]))] + row[4:]
            for field in row:
                out += text(field)
    indicator = {r[0]: i for i, r in enumerate(indicators)}
    region = {r[0]: i for i, r in enumerate(regions)}
    source = {r[0]: i for i, r in enumerate(sources)}
    published = {i: date_key(r[3]) for i, r in enumerate(sources)}
    reliability = {i: RELIABILITIES[r[5]] for i, r in enumerate(sources)}

    observations = []
    for position, row in enumerate(records(directory, "observations.csv")):
        cited = sorted(source[s] for s in row[6].split(";"))
        observations.append((
            (indicator[row[0]], region[row[1]], period_key(row[2]),
             STATUSES[row[5]], -max(reliability[s] for s in cited),
             row[4] != "exact", -max(published[s] for s in cited), position),
            row, cited))
    observations.sort(key=lambda o: o[0])
    out += text("observations") + struct.pack("<Q", len(observations))
    for _, row, cited in observations:
        year, _, month = row[2].partition("-")
        value = float(row[3]) or 0.0  # -0 as 0.
        out += struct.pack("<IIIBdBBH", indicator[row[0]], region[row[1]],
                           int(year), int(month or 0), value,
                           QUALIFIERS[row[4]], STATUSES[row[5]], len(cited))
        out += b"".join(struct.pack("<I", s) for s in cited)
        out += text(row[7])
    return hashlib.sha256(bytes(out)).hexdigest()


if __name__ == "__main__":
    print(version(sys.argv[1]))
