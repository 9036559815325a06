# digitalid: the everyday commands. `make test` is the one CI runs.
.PHONY: test test-short build run vet fmt bench load fuzz

test:              ## provision PostgreSQL, SoftHSM2 and Chromium, then run every test with -race
	./scripts/with-services.sh

test-short:        ## unit tests only; suites needing outside services skip
	go test ./...

build:
	go build -o bin/digitalid ./cmd/digitalid

run:
	go run ./cmd/digitalid serve --demo

vet:
	go vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l . && echo "gofmt: files above need formatting" && exit 1)

load:              ## HTTP load tests (real server on loopback, SQLite and PostgreSQL, bounded count)
	./scripts/load.sh

bench:             ## benchmarks (needs the same services as test; see docs/benchmarks.md)
	./scripts/with-services.sh go test -run '^$$' -bench . -benchmem -benchtime 2s ./...
