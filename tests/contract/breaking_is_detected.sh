#!/usr/bin/env bash
# Proves that `buf breaking` guards the contract: a copy of proto/ with one
# field renumbered must fail against the committed v1 baseline.
# Usage: breaking_is_detected.sh BUF SOURCE_DIR
set -euo pipefail
buf=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src/proto" "$tmp/"
file="$tmp/proto/indicators/v1/resources.proto"
sed -i 's/  double value = 4;/  double value = 12;/' "$file"
grep -q '  double value = 12;' "$file" || { echo "the mutation did not apply"; exit 1; }
if "$buf" breaking "$tmp/proto" --against "$src/tests/contract/indicators-v1-baseline.json"; then
  echo "buf breaking accepted a renumbered field"
  exit 1
fi
echo "buf breaking rejected the renumbered field"
