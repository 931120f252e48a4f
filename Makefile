# Stackyard: `make run` starts the server with ./config.yaml; `make test`
# installs and starts what the tests need (.ci/setup.sh: PostgreSQL, npm
# dependencies, the reference Backstage peer, Chromium and the Backstage app),
# then runs every suite. `make check` runs the suites alone, when the
# environment is already set up.
GO       ?= go
FUZZTIME ?= 10s
# Every package but the end-to-end suite, which runs on its own (uncached).
PKGS      = $(shell $(GO) list ./... | grep -v '/e2e$$')

.PHONY: run test check vet unit unit-postgres fuzz e2e e2e-postgres

run:
	$(GO) run ./cmd/stackyard serve

test:
	bash -c 'source .ci/setup.sh && $(MAKE) -k check'

check: vet unit unit-postgres fuzz e2e e2e-postgres

vet:
	$(GO) vet ./...

unit:
	$(GO) test $(PKGS)

# Packages that honour STACKYARD_TEST_DATABASE run again on PostgreSQL; the
# others come back from the test cache.
unit-postgres: postgres-url
	STACKYARD_TEST_DATABASE=postgres $(GO) test $(PKGS)

fuzz:
	GO=$(GO) bash .ci/fuzz.sh $(FUZZTIME)

e2e:
	$(GO) test -count=1 -timeout 30m -v ./e2e

e2e-postgres: postgres-url
	STACKYARD_TEST_DATABASE=postgres $(GO) test -count=1 -timeout 30m -v ./e2e

.PHONY: postgres-url
postgres-url:
	@if [ -z "$$STACKYARD_TEST_POSTGRES_URL" ]; then \
	  echo "STACKYARD_TEST_POSTGRES_URL is not set: start PostgreSQL as .ci/run does, e.g." >&2; \
	  echo "  bash .ci/postgres.sh && export STACKYARD_TEST_POSTGRES_URL='postgres://stackyard:stackyard@127.0.0.1:5432/stackyard?sslmode=disable'" >&2; \
	  exit 1; \
	fi
