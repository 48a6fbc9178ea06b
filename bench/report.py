"""Turns the lines bench/run.sh collects over several runs into its tables:
the median of the runs for every figure, and each run's own figure beside it.

    report.py throughput   RUN<TAB>RESULT... lines of indicators-loadgen
    report.py python       RUN<TAB>PYRESULT... lines of bench/python_decode.py
    report.py memory       "RUN N RSS_KB HWM_KB LOAD_S SERVING_S BEFORE_KB AFTER_KB"
    report.py field NAME I the median of field I of scenario NAME at max load

Reads the lines on stdin; prints Markdown.
"""

import statistics
import sys


def median(values):
    return statistics.median(values)


def grouped(rows, key):
    """Groups rows by key(row), in order of first appearance."""
    groups = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups


def results():
    out = []
    for line in sys.stdin:
        fields = line.rstrip("\n").split("\t")
        if len(fields) >= 17 and fields[1] == "RESULT":
            run, fields = fields[0], fields[1:]
            # A paced load's rate is the floor's half of its own run.
            mode = "paced" if fields[2].startswith("paced@") else fields[2]
            out.append((run, fields[1], mode, fields))
    return out


def throughput():
    print("| scenario | load | service | floor | ratio | ratio of each run | response B "
          "| service p50/p90/p99 µs | floor p50/p90/p99 µs |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (name, mode), rows in grouped(results(), lambda r: (r[1], r[2])).items():
        f = [r[3] for r in rows]
        m = lambda i: median(float(x[i]) for x in f)
        ratios = " / ".join(x[6] for x in f)
        latency = lambda i: "/".join(f"{m(k):.0f}" for k in (i, i + 1, i + 2))
        load = mode if mode != "paced" else f"paced@{m(4):.0f}/s"
        if name.startswith(("stream", "columns")):
            service = f"{m(4):.0f} obs/s ({m(14) / 1e6:.0f} MB/s)"
            floor = f"{m(5):.0f} obs/s ({m(15) / 1e6:.0f} MB/s)"
            ratio = f"{m(6):.3f} (bytes/s)"
            size = f"{m(7):.0f}/msg"
        else:
            service = f"{m(4):.0f} {f[0][3]}"
            floor = f"{m(5):.0f} {f[0][3]}"
            ratio = f"{m(6):.3f}"
            size = f"{m(7):.0f}"
        print(f"| {name} | {load} | {service} | {floor} | {ratio} | {ratios} | {size} "
              f"| {latency(8)} | {latency(11)} |")


def field(name, index):
    values = [float(r[3][index]) for r in results() if r[1] == name and r[2] == "max"]
    if values:
        print(f"{median(values):g}")


def python():
    rows = []
    for line in sys.stdin:
        fields = line.rstrip("\n").split("\t")
        if len(fields) == 6 and fields[1] == "PYRESULT":
            rows.append(fields)
    if not rows:
        return
    print("The Python client, from the call to a finished pandas DataFrame (best of "
          "its repeats in each run):")
    print()
    print("| format | observations | Python obs/s | of each run |")
    print("|---|---|---|---|")
    for (fmt, n), group in grouped(rows, lambda r: (r[2], r[3])).items():
        rates = [float(r[4]) for r in group]
        label = {"rows": "row stream + to_pandas",
                 "columns": "column export + export_frame"}.get(fmt, fmt)
        print(f"| {label} | {n} | {median(rates):.0f} | "
              f"{' / '.join(f'{x:.0f}' for x in rates)} |")


def memory():
    rows = [line.split() for line in sys.stdin if line.strip()]
    print("| observations | load | load rate | first SERVING | RSS after load | bytes/observation "
          "| peak RSS (load) | peak / steady | RSS growth during a full export "
          "| load of each run |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, group in grouped(rows, lambda r: r[1]).items():
        m = lambda i: median(float(r[i]) for r in group)
        growth = max(0.0, median(float(r[7]) - float(r[6]) for r in group) / 1024)
        print(f"| {n} | {m(4):.3f}s | {int(n) / m(4):.0f} rows/s | {m(5):.3f}s "
              f"| {m(2) / 1024:.0f} MB | {m(2) * 1024 / int(n):.0f} | {m(3) / 1024:.0f} MB "
              f"| {median(float(r[3]) / float(r[2]) for r in group):.2f} | {growth:.1f} MB "
              f"| {' / '.join(r[4] + 's' for r in group)} |")


def main():
    mode = sys.argv[1]
    if mode == "throughput":
        throughput()
    elif mode == "python":
        python()
    elif mode == "memory":
        memory()
    elif mode == "field":
        field(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
