#!/usr/bin/python3
"""Plots one indicator over time for one region, every source's figure.

By default one line per status (final, preliminary, estimate), so early
estimates stand against final figures; `--by source` draws one line per
source instead. Each point is labelled with its source and its qualifier
(> over, ~ about, < under, ≲ nearly).

Usage: plot_series.py [--target HOST:PORT] [--indicator rd_expenditure]
                      [--region CN-GD] [--by status|source] [--out series.png]
"""

import argparse
import collections
import sys

import matplotlib

matplotlib.use("Agg")  # Files only; no display needed.
import matplotlib.pyplot as plt  # noqa: E402

from indicators_client import (  # noqa: E402
    Filter,
    IndicatorClient,
    qualifier_name,
    status_name,
)

QUALIFIER_MARK = {"exact": "", "about": "~", "over": ">", "under": "<", "nearly": "≲"}
STATUS_STYLE = {"final": "-", "preliminary": "--", "estimate": ":"}


def period_x(period: str) -> float:
    """Places `YYYY` at the year and `YYYY-MM` at the end of that month."""
    if len(period) == 4:
        return float(period)
    return int(period[:4]) - 1 + int(period[5:7]) / 12


def plot(client: IndicatorClient, indicator_id: str, region: str, by: str,
         out: str) -> int:
    indicator = client.get_indicator(indicator_id)
    region_name = client.get_region(region).name
    rows = client.query(Filter(indicator_ids=[indicator_id], region_codes=[region]))
    lines = collections.defaultdict(list)
    for o in rows:
        key = status_name(o.status) if by == "status" else ";".join(o.source_ids)
        lines[key].append(o)

    fig, ax = plt.subplots(figsize=(11, 6.5))
    labels_at = collections.Counter()  # Stacks labels of points that coincide.
    for key, series in sorted(lines.items()):
        series.sort(key=lambda o: period_x(o.period))
        status = status_name(series[-1].status)
        xs = [period_x(o.period) for o in series]
        ys = [o.value for o in series]
        label = key if by == "status" else f"{key} ({status})"
        ax.plot(xs, ys, STATUS_STYLE[status], marker="o", label=label)
        for o, x, y in zip(series, xs, ys):
            mark = QUALIFIER_MARK[qualifier_name(o.qualifier)]
            stacked = labels_at[(x, round(y, 6))]
            labels_at[(x, round(y, 6))] += 1
            ax.annotate(f"{mark}{o.value:.15g} {';'.join(o.source_ids)}", (x, y),
                        textcoords="offset points", xytext=(5, 4 - 11 * stacked),
                        fontsize=8)
    unit = indicator.unit if indicator.unit_multiplier == 0 else (
        f"10^{indicator.unit_multiplier} {indicator.unit}")
    ax.set_title(f"{indicator.name}, {region_name}: every source")
    ax.set_xlabel("period")
    ax.set_ylabel(unit)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, title="status" if by == "status" else "sources (status)")
    fig.text(0.01, 0.01, "labels: > over, ~ about, < under, ≲ nearly; "
             "line: solid final, dashed preliminary, dotted estimate", fontsize=8)
    fig.savefig(out, dpi=100)
    print(f"wrote {out}: {len(rows)} observations in {len(lines)} lines")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", default="127.0.0.1:50051")
    parser.add_argument("--indicator", default="rd_expenditure")
    parser.add_argument("--region", default="CN-GD")
    parser.add_argument("--by", choices=["status", "source"], default="status")
    parser.add_argument("--out", default="series.png")
    args = parser.parse_args()
    with IndicatorClient(args.target) as client:
        return plot(client, args.indicator, args.region, args.by, args.out)


if __name__ == "__main__":
    sys.exit(main())
