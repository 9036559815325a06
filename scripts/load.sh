#!/usr/bin/env bash
# load.sh [COUNT]: the HTTP load tests, bounded in count. Each is a Go
# benchmark that starts the real server on a loopback port over SQLite and
# over PostgreSQL and drives one HTTP path with concurrent clients for COUNT
# requests (default 1000), reporting requests per second and p50/p99
# latency. Provisions PostgreSQL like `make test` (scripts/with-services.sh).
# Figures go to docs/benchmarks.md with the machine and load they ran on.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
case "$n" in ''|*[!0-9]*) echo "usage: scripts/load.sh [COUNT]" >&2; exit 2 ;; esac
exec ./scripts/with-services.sh go test -run '^$' -benchtime "${n}x" -timeout 30m \
	-bench 'OnlineVerifyHTTP|MintHTTP|TokenCodeExchange|TokenRefresh|DocumentRead|History|Stack' \
	./web/ ./web/presentweb/ ./web/oidcweb/ ./web/history/
