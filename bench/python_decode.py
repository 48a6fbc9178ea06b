"""How fast the Python client turns an export into a pandas DataFrame: the
row stream (`stream` + `to_pandas`, one message object per observation) and
the column export (`export_frame`, numpy over whole columns), each timed from
the call to the finished DataFrame, best of --repeat. Prints one line per
format:

    PYRESULT <format> <observations> <obs/s> <seconds>

and fails if a frame does not hold exactly --expect observations.
bench/run.sh runs it pinned to the load generator's CPU.
"""

import argparse
import sys
import time

from indicators_client import IndicatorClient, to_pandas


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True)
    parser.add_argument("--expect", type=int, required=True)
    parser.add_argument("--formats", default="rows,columns")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    client = IndicatorClient(args.target, timeout=600)
    decode = {
        "rows": lambda: to_pandas(client.stream()),
        "columns": client.export_frame,
    }
    for name in args.formats.split(","):
        best = None
        for _ in range(args.repeat):
            start = time.perf_counter()
            frame = decode[name]()
            seconds = time.perf_counter() - start
            if len(frame) != args.expect:
                print(f"{name}: {len(frame)} rows; expected {args.expect}",
                      file=sys.stderr)
                return 1
            best = seconds if best is None else min(best, seconds)
            del frame
        print(f"PYRESULT\t{name}\t{args.expect}\t{args.expect / best:.0f}\t{best:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
