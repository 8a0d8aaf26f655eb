# flyover: the commands a newcomer needs. `make demo`, `make test`.
GO ?= go
BIN := bin/flyover

.PHONY: build demo test vet bench lab tape clean

build:
	$(GO) build -o $(BIN) .

# Starts a real local topology (Redis source, Dragonfly or a stand-in,
# three Sentinels) with traffic, and runs the guided migration.
demo: build
	./$(BIN) demo

# Vet, then every test (real redis-server/redis-sentinel on loopback) with
# the race detector.
test:
	$(GO) vet ./...
	$(GO) test -race -timeout 12m ./...

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "gofmt needed"; exit 1; }

bench:
	$(GO) test -run '^$$' -bench . -count 5 ./...

lab: build
	./$(BIN) lab

# Records the guided demo with VHS (vhs, ttyd, ffmpeg, chromium; README).
tape: build
	vhs demo.tape

clean:
	rm -rf bin
