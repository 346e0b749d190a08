# Hops: the two commands a newcomer needs are `make run` and `make test`.
BUILD_DIR ?= build
DATA_DIR ?= ./hops-data
LISTEN ?= 127.0.0.1:8181
JOBS ?= 2

.PHONY: all deps configure build run test unit bench clean

all: build

deps:
	@scripts/setup-deps

$(BUILD_DIR)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	ninja -C $(BUILD_DIR) -j$(JOBS)

run: build
	@echo
	@echo "Starting hopsd on https://$(LISTEN) with data in $(DATA_DIR)."
	@echo "On the first start the admin password is printed below (or set HOPS_ADMIN_PASSWORD),"
	@echo "with the SHA-256 fingerprint of the platform CA that signs the server's certificate."
	@echo "Log in from another terminal with (the CLI fetches the CA once and shows its fingerprint):"
	@echo "    $(BUILD_DIR)/hops login https://$(LISTEN) --user admin"
	@echo "    $(BUILD_DIR)/hops projects create demo"
	@echo "    $(BUILD_DIR)/hops fs put README.md demo/Resources/"
	@echo "    $(BUILD_DIR)/hops fs ls demo/Resources"
	@echo "    curl --cacert $(DATA_DIR)/pki/root-ca.pem https://$(LISTEN)/healthz"
	@echo "Stop with Ctrl-C."
	@echo
	$(BUILD_DIR)/hopsd --listen $(LISTEN) --data-dir $(DATA_DIR) --log-format text

test: build
	/usr/bin/python3 scripts/run-tests

unit: build
	$(BUILD_DIR)/unit_tests

bench: build
	bench/http/run.sh

clean:
	rm -rf $(BUILD_DIR)
