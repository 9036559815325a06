#!/usr/bin/env bash
# with-services.sh [CMD...]: provision what the suites need on a Debian machine (PostgreSQL,
# SoftHSM2, Chromium; installed through apt when missing), start a throwaway
# PostgreSQL server on a free loopback port, run every test with the race
# detector (or run CMD instead), and clean up.
#
# Needs root for apt and to run PostgreSQL as the postgres user; a developer
# who already has the tools and a server can instead export the variables in
# internal/testenv and run `go test ./...`.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v softhsm2-util >/dev/null 2>&1 || need+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || need+=(opensc)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
	echo "== installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/digitalid-test.XXXXXX)
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
cleanup() {
	if [ -f "$work/pg/postmaster.pid" ]; then
		su postgres -s /bin/sh -c "$pgbin/pg_ctl -D $work/pg -m immediate stop" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)
chown postgres "$work" 2>/dev/null || true
chmod 0755 "$work"
echo "== starting PostgreSQL ($pgbin) on 127.0.0.1:$port"
su postgres -s /bin/sh -c "$pgbin/initdb -D $work/pg -A trust -U postgres -E UTF8 >/dev/null"
su postgres -s /bin/sh -c "$pgbin/pg_ctl -D $work/pg -l $work/pg.log -w -o '-c listen_addresses=127.0.0.1 -p $port -k $work -c max_connections=300 -c fsync=on' start >/dev/null"

export DIGITALID_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
export DIGITALID_TEST_SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
export DIGITALID_TEST_CHROMIUM=$(command -v chromium)
export CGO_ENABLED=1

if [ $# -eq 0 ]; then set -- go test -race -count=1 -timeout 40m ./...; fi
echo "== $*"
"$@"
