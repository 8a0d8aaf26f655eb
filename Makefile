# flyover: the commands a newcomer needs. `make demo`, `make test`.
GO ?= go
BIN := bin/flyover

# The release version stamped into the binary (flyover --version):
# `make release VERSION=v0.1.0`; by default git describe.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
REVTIME ?= $(shell TZ=UTC0 git show -s --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ HEAD 2>/dev/null)
STAMP := -X flyover/version.Version=$(VERSION) -X flyover/version.Revision=$(REVISION) -X flyover/version.Time=$(REVTIME)
LDFLAGS := -s -w $(STAMP)
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
IMAGE ?= flyover:$(VERSION)

.PHONY: build demo test vet bench lab tape release image image-check clean

build:
	$(GO) build -ldflags "$(STAMP)" -o $(BIN) .

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
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "gofmt needed"; exit 1; }

bench:
	$(GO) test -run '^$$' -bench . -count 5 ./...

lab: build
	./$(BIN) lab

# Records the guided demo with VHS (vhs, ttyd, ffmpeg, chromium; README).
tape: build
	vhs demo.tape

# Release archives, static, for linux and darwin on amd64 and arm64, and
# their checksums: dist/flyover_VERSION_OS_ARCH.tar.gz, dist/checksums.txt.
# No network: go build per target, tar, sha256sum. (GoReleaser would do the
# same four builds, but it is one more tool to install, pinned to v2.15.0
# because later ones need a newer Go, and what it adds, publishing, is not
# needed yet.)
release:
	rm -rf dist && mkdir -p dist
	set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; name=flyover_$(VERSION)_$${os}_$${arch}; \
		mkdir -p dist/$$name; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o dist/$$name/flyover .; \
		cp README.md CHANGELOG.md dist/$$name/; \
		tar -C dist -czf dist/$$name.tar.gz --owner=0 --group=0 $$name; \
		rm -rf dist/$$name; \
	done
	cd dist && sha256sum *.tar.gz > checksums.txt && cat checksums.txt

# The container image (Dockerfile) with buildah, offline: FROM scratch, the
# static linux binary, the build host's CA bundle, user 65532.
image:
	rm -rf bin/image && mkdir -p bin/image/home bin/image/tmp
	CGO_ENABLED=0 GOOS=linux $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/image/flyover .
	cp /etc/ssl/certs/ca-certificates.crt bin/image/
	echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > bin/image/passwd
	echo 'nonroot:x:65532:' > bin/image/group
	chmod 1777 bin/image/tmp
	buildah --storage-driver vfs bud --quiet -f Dockerfile -t $(IMAGE) bin/image

# Builds the image and checks its user, entrypoint and that its binary
# prints its version (.ci/image-check; skips without buildah).
image-check:
	.ci/image-check

clean:
	rm -rf bin dist
