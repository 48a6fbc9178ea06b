#!/usr/bin/env bash
# Vets and tests the Go client offline (GOPATH mode, Debian's Go packages).
#   test.sh GO GOPATH_DIR SERVER_BINARY TEST_DATA_DIR
set -euo pipefail
go=$1 gopath=$2
export INDICATORS_SERVER=$3 INDICATORS_TEST_DATA=$4
export GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOCACHE="$gopath/cache"
export GOFLAGS= GOPROXY=off
unformatted=$("$(dirname "$go")/gofmt" -l "$gopath/src/indicators/client/" "$gopath/src/indicators/example/")
[ -z "$unformatted" ] || { echo "not gofmt'ed: $unformatted"; exit 1; }
"$go" vet indicators/client indicators/example
"$go" build -o "$gopath/bin/indicators-go-example" indicators/example
INDICATORS_GO_EXAMPLE="$gopath/bin/indicators-go-example" "$go" test -count=1 -v indicators/client
