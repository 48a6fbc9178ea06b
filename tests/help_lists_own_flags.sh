#!/usr/bin/env bash
# Checks that `BINARY --help` exits as Abseil does (0 or 1) and lists each FLAG given (the
# program's own flags), and not Abseil's "No flags matched".
# Usage: help_lists_own_flags.sh BINARY FLAG...
set -uo pipefail
binary=$1
shift
help=$("$binary" --help 2>&1)
code=$?
failed=0
if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
  echo "$binary --help exited $code"
  failed=1
fi
if grep -q "No flags matched" <<<"$help"; then
  echo "$binary --help says: No flags matched"
  failed=1
fi
for flag in "$@"; do
  if ! grep -q -- "-$flag (" <<<"$help"; then
    echo "$binary --help does not list --$flag"
    failed=1
  fi
done
[ "$failed" -eq 0 ] || { echo "$help" | head -40; exit 1; }
echo "$(basename "$binary") --help lists $*"
