#!/usr/bin/python3
"""Ranks the provinces by R&D intensity for one year, with the national value.

One bar per province (the preferred published figure; hedged or non-final
figures are hatched), ranked; a line marks the national intensity as
published, and a dotted one the provinces' ratio of sums (their R&D
expenditure over their GDP, computed by the service with its inputs).

Usage: plot_intensity.py [--target HOST:PORT] [--year 2023]
                         [--out rd_intensity.png]
"""

import argparse
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


def plot(client: IndicatorClient, year: str, out: str) -> int:
    names = {r.code: r.name for r in client.list_regions(parent_code="CN")}
    rows = client.query(Filter(indicator_ids=["rd_intensity"], region_codes=["CN"],
                               include_subregions=True, start_period=year,
                               end_period=year, preferred=True))
    national = [o for o in rows if o.region_code == "CN"]
    provinces = sorted((o for o in rows if o.region_code != "CN"),
                       key=lambda o: o.value)
    if not provinces:
        print(f"no provincial rd_intensity for {year}", file=sys.stderr)
        return 1
    [ratio] = client.aggregate("rd_intensity", parent="CN", start_period=year,
                               end_period=year).aggregates

    fig, ax = plt.subplots(figsize=(9, 10))
    ys = range(len(provinces))
    bars = ax.barh(ys, [o.value for o in provinces], color="#4878a8")
    for bar, o in zip(bars, provinces):
        if qualifier_name(o.qualifier) != "exact" or status_name(o.status) != "final":
            bar.set_hatch("//")
        ax.text(bar.get_width() + 0.03, bar.get_y() + bar.get_height() / 2,
                f"{o.value:.2f}", va="center", fontsize=8)
    ax.set_yticks(list(ys))
    ax.set_yticklabels([names.get(o.region_code, o.region_code) for o in provinces],
                       fontsize=8)
    if national:
        ax.axvline(national[0].value, color="#c03030", linewidth=1.5,
                   label=f"China, published: {national[0].value:.2f}% "
                         f"({';'.join(national[0].source_ids)})")
    r = ratio.observation
    ax.axvline(r.value, color="#303030", linestyle=":", linewidth=1.2,
               label=f"provinces' R&D / GDP (derived, "
                     f"{ratio.reporting_regions}/{ratio.expected_regions} "
                     f"reporting): {r.value:.2f}%")
    ax.set_xlabel("R&D expenditure as % of GDP")
    ax.set_title(f"R&D intensity by province, {year}")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}: {len(provinces)} provinces, national "
          f"{national[0].value if national else 'n/a'}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="127.0.0.1:50051")
    parser.add_argument("--year", default="2023")
    parser.add_argument("--out", default="rd_intensity.png")
    args = parser.parse_args()
    with IndicatorClient(args.target) as client:
        return plot(client, args.year, args.out)


if __name__ == "__main__":
    sys.exit(main())
