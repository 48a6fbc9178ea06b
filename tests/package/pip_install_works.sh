#!/usr/bin/env bash
# pip-installs the Python client from a copy of the source tree into a fresh
# venv that sees Debian's grpcio, protobuf and grpc_tools (offline: no index,
# no build isolation), then calls a live server with the installed package
# from outside the source tree.
#   pip_install_works.sh SOURCE_DIR SERVER_BINARY TEST_DATA_DIR
set -euo pipefail
source_dir=$1 server=$2 data=$3
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=start_server.sh
source "$(dirname "$0")/start_server.sh"

# A copy with the layout the build expects (client/python beside proto/).
mkdir -p "$work/src/client"
cp -r "$source_dir/client/python" "$work/src/client/python"
cp -r "$source_dir/proto" "$work/src/proto"
rm -rf "$work/src/client/python/tests"

/usr/bin/python3 -m venv --system-site-packages "$work/venv"
"$work/venv/bin/pip" install --quiet --no-index --no-build-isolation \
  --disable-pip-version-check "$work/src/client/python"
rm -rf "$work/src"  # The installed package must not need the source.

start_server "$server" "$data" "$work/server.log"

cd "$work"
env -u PYTHONPATH "$work/venv/bin/python" - "$address" "$version" "$work/venv" <<'PY'
import sys

import indicators_client
from indicators.v1 import indicator_service_pb2
from indicators_client import Filter, IndicatorClient, IndicatorServiceError

address, version, venv = sys.argv[1:]
for module in (indicators_client, indicator_service_pb2):
    assert module.__file__.startswith(venv), f"{module.__name__} from {module.__file__}"
client = IndicatorClient(address)
info = client.dataset_info()
assert info.version == version, (info.version, version)
rows = client.query(Filter(region_codes=["CN-GD"], indicator_ids=["rd_expenditure"],
                           start_period="2023", end_period="2023"))
assert rows and all(r.indicator_id == "rd_expenditure" for r in rows), rows
try:
    client.get_indicator("nope")
    raise AssertionError("no error for an unknown indicator")
except IndicatorServiceError as e:
    assert e.reason == "UNKNOWN_INDICATOR", e.reason
print(f"pip-installed client: version {info.version[:12]}, {len(rows)} rows")
PY
