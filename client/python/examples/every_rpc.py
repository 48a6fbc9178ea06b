#!/usr/bin/python3
"""Calls every RPC of the indicator service and prints what comes back.

Usage: every_rpc.py [--target 127.0.0.1:50051]
"""

import argparse
import sys

from indicators.v1 import resources_pb2
from indicators_client import (
    Filter,
    IndicatorClient,
    IndicatorServiceError,
    qualifier_name,
    status_name,
)


def show(o) -> str:
    return (
        f"{o.indicator_id:<26} {o.region_code:<6} {o.period:<7} "
        f"{qualifier_name(o.qualifier):<7} {o.value:>12.15g} x10^{o.unit_multiplier} "
        f"{o.unit:<12} {status_name(o.status):<11} {';'.join(o.source_ids)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", default="127.0.0.1:50051")
    args = parser.parse_args()

    with IndicatorClient(args.target) as client:
        info = client.dataset_info()  # GetDatasetInfo
        print(f"dataset {info.version[:12]}: {info.observation_count} observations")

        indicators = client.list_indicators()  # ListIndicators
        print(f"{len(indicators)} indicators, e.g. {indicators[0].id}")
        rd = client.get_indicator("rd_expenditure")  # GetIndicator
        print(f"rd_expenditure is in 10^{rd.unit_multiplier} {rd.unit}")

        provinces = client.list_regions(  # ListRegions
            parent_code="CN", region_type=resources_pb2.REGION_TYPE_PROVINCE
        )
        print(f"{len(provinces)} provinces under CN")
        print("CN-GD is", client.get_region("CN-GD").name)  # GetRegion

        sources = client.list_sources()  # ListSources
        seed = client.get_source("SEED")  # GetSource
        print(f"{len(sources)} sources; SEED: {seed.publisher}, {seed.published}")

        print("\nGuangdong 2023, every source (QueryObservations):")
        for o in client.query(
            Filter(region_codes=["CN-GD"], start_period="2023", end_period="2023")
        ):
            print(" ", show(o))

        print("\nLatest preferred R&D intensity per province (StreamObservations):")
        for o in client.stream(
            Filter(
                indicator_ids=["rd_intensity"],
                region_codes=["CN"],
                include_subregions=True,
                latest_only=True,
                preferred=True,
            )
        ):
            print(" ", show(o))

        try:
            client.get_indicator("no_such_indicator")
        except IndicatorServiceError as error:
            print(f"\nan unknown id is {error.code.name}: {error.message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
