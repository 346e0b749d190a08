#!/usr/bin/env bash
# HopsFS benchmark, three parts in one run:
#   1. the Spotify mix in-process against the service API (fs_bench inproc) on
#      a pre-built namespace, the same mix through POSIX calls on a local
#      directory as the reference, and single-operation passes;
#   2. the same mix over the REST API with many keep-alive connections against
#      a real hopsd whose store holds the same namespace (fs_bench net);
#   3. the data path: upload and download of one large file through the REST
#      API (curl) against `cp` of the same file on the same disk.
#
# Knobs (environment):
#   INODES      namespace size for part 1           (default 1000000)
#   NET_DIRS    directories of 100 files for part 2 (default 10000: 1M inodes)
#   POSIX_FILES files in the POSIX reference tree   (default 100000)
#   THREADS     threads for part 1                  (default 4)
#   CONNS       connections for part 2              (default 64)
#   DURATION    seconds per measurement             (default 10)
#   DATA_MIB    size of the data-path file in MiB   (default 1024)
#   MY_DIRS     directories of 100 files for part 4 (default 2000: 200k inodes)
#   S3_MIB      size of the part-5 file in MiB      (default 256)
#   PARTS       which parts to run                  (default "1 2 3 4 5")
#   4. the network mix of part 2 on a MariaDB store, with one server and then
#      two servers sharing the store (connections split between them);
#   5. the data path of part 3 with the blocks in an S3 bucket (s3rver).
#   WORK        scratch directory (same disk as a real data dir; default /tmp)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
BIN="${HOPS_BIN_DIR:-$REPO/build}"
INODES="${INODES:-1000000}"
NET_DIRS="${NET_DIRS:-10000}"
POSIX_FILES="${POSIX_FILES:-100000}"
THREADS="${THREADS:-4}"
CONNS="${CONNS:-64}"
DURATION="${DURATION:-10}"
DATA_MIB="${DATA_MIB:-1024}"
PARTS="${PARTS:-1 2 3 4 5}"
MY_DIRS="${MY_DIRS:-2000}"
S3_MIB="${S3_MIB:-256}"
HOPSD_EXTRA=()
PY=/usr/bin/python3
TMP="$(mktemp -d "${WORK:-/tmp}/hops-bench-fs.XXXXXX")"
HOPSD_PID=""

cleanup() {
    local rc=$?
    [[ -n "$HOPSD_PID" ]] && kill "$HOPSD_PID" 2>/dev/null && wait "$HOPSD_PID" 2>/dev/null || true
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT

for tool in "$BIN/fs_bench" "$BIN/hopsd" curl "$PY"; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (make build)" >&2; exit 2; }
done

echo "# HopsFS benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "# $(nproc) CPUs; scratch $TMP"

start_hopsd() { # data_dir
    "$BIN/hopsd" --listen 127.0.0.1:0 --data-dir "$1" --store-sync normal --plain-http --fs-gc-interval-s 0 \
        ${HOPSD_EXTRA[@]+"${HOPSD_EXTRA[@]}"} >>"$1.log" 2>&1 &
    HOPSD_PID=$!
    rm -f "$1/hopsd.addr.seen"
    for _ in $(seq 1 300); do
        [[ -s "$1/hopsd.addr" ]] && break
        kill -0 "$HOPSD_PID" 2>/dev/null || { echo "hopsd exited:"; tail "$1.log"; exit 1; }
        sleep 0.1
    done
    URL="http://$(tr -d '[:space:]' <"$1/hopsd.addr")"
}

stop_hopsd() {
    kill "$HOPSD_PID"
    wait "$HOPSD_PID" 2>/dev/null || true
    HOPSD_PID=""
}

provision() { # url -> prints an API key with dataset scopes; creates project bench
    "$PY" - "$1" <<'EOF'
import os, sys, requests
base = sys.argv[1]
s = requests.Session()
tok = s.post(f"{base}/api/v1/auth/login", json={"username": "admin", "password": os.environ["HOPS_ADMIN_PASSWORD"]}).json()["token"]
s.headers["Authorization"] = "Bearer " + tok
r = s.post(f"{base}/api/v1/projects", json={"name": "bench"})
assert r.status_code in (201, 409), r.text
r = s.post(f"{base}/api/v1/users/me/apikeys", json={"name": "fsbench", "scopes": ["PROJECT", "DATASET_VIEW", "DATASET_CREATE", "DATASET_DELETE"]})
assert r.status_code == 201, r.text
print(r.json()["key"])
EOF
}

mibs() { # mib t0 t1 -> "N MiB/s (S s)"
    "$PY" -c "print(f'{$1 / ($3 - $2):8.1f} MiB/s  ({$3 - $2:.2f} s)')"
}

# Uploads $2 ($1 MiB) through the REST API as big.bin, downloads it back
# (followed by sync), checks the bytes, and prints both rates with label $3.
upload_download() { # mib src label
    local mib="$1" src="$2" label="$3" t0 t1 code
    t0=$(date +%s.%N)
    code=$(curl -s -o /dev/null -w '%{http_code}' -T "$src" -H "Authorization: ApiKey $KEY" \
        "$URL/api/v1/projects/bench/datasets/Resources/big.bin")
    t1=$(date +%s.%N)
    [[ "$code" == 201 ]] || { echo "upload failed: HTTP $code"; exit 1; }
    echo "hopsd upload$label     $(mibs "$mib" "$t0" "$t1")"
    t0=$(date +%s.%N)
    curl -s -f -o "$src.down" -H "Authorization: ApiKey $KEY" \
        "$URL/api/v1/projects/bench/datasets/Resources/big.bin?action=download"
    sync; t1=$(date +%s.%N)
    echo "hopsd download$label   $(mibs "$mib" "$t0" "$t1")"
    cmp -s "$src" "$src.down" || { echo "downloaded bytes differ!"; exit 1; }
    rm -f "$src.down"
}

export HOPS_ADMIN_PASSWORD="bench-$("$PY" -c 'import secrets; print(secrets.token_hex(12))')"

if [[ " $PARTS " == *" 1 "* ]]; then
    echo
    echo "## 1. In-process mix ($INODES inodes, $THREADS threads, ${DURATION}s) and POSIX reference ($POSIX_FILES files)"
    "$BIN/fs_bench" inproc --inodes "$INODES" --threads "$THREADS" --seconds "$DURATION" \
        --posix-files "$POSIX_FILES" --dir "$TMP/inproc" 2> >(grep -v '"event":"store.migrated"' >&2)
    rm -rf "$TMP/inproc"
    echo
    echo "## 1b. One directory with 1,000,000 entries"
    "$BIN/fs_bench" bigdir --entries 1000000 --dir "$TMP/bigdir" 2> >(grep -v '"event":"store.migrated"' >&2)
    rm -rf "$TMP/bigdir"
fi

if [[ " $PARTS " == *" 2 "* ]]; then
    echo
    echo "## 2. Network mix over REST ($NET_DIRS x 100 files, $CONNS connections, ${DURATION}s)"
    mkdir -p "$TMP/net"
    start_hopsd "$TMP/net"
    KEY="$(provision "$URL")"
    stop_hopsd
    "$BIN/fs_bench" prebuild --db "$TMP/net/meta.db" --project bench --owner admin --dirs "$NET_DIRS" \
        --files-per-dir 100 2> >(grep -v '"event":"store.migrated"' >&2)
    start_hopsd "$TMP/net"
    "$BIN/fs_bench" net --url "$URL" --key "$KEY" --project bench --dirs "$NET_DIRS" --files-per-dir 100 \
        --conns "$CONNS" --seconds "$DURATION"
    stop_hopsd
    rm -rf "$TMP/net"
fi

if [[ " $PARTS " == *" 3 "* ]]; then
    echo
    echo "## 3. Data path: one ${DATA_MIB} MiB file (REST upload/download with curl vs cp; each followed by sync)"
    mkdir -p "$TMP/data"
    start_hopsd "$TMP/data"
    KEY="$(provision "$URL")"
    head -c "$((DATA_MIB * 1048576))" /dev/urandom >"$TMP/big.src"
    sync
    t0=$(date +%s.%N); cp "$TMP/big.src" "$TMP/big.cp"; sync; t1=$(date +%s.%N)
    echo "cp + sync          $(mibs "$DATA_MIB" "$t0" "$t1")"
    rm -f "$TMP/big.cp"; sync
    echo "(uploads fdatasync every block before the file is published; downloads verify every 1 MiB chunk)"
    upload_download "$DATA_MIB" "$TMP/big.src" ""
    t0=$(date +%s.%N)
    curl -s -f -o /dev/null -H "Authorization: ApiKey $KEY" \
        "$URL/api/v1/projects/bench/datasets/Resources/big.bin?action=download"
    t1=$(date +%s.%N)
    echo "hopsd download     $(mibs "$DATA_MIB" "$t0" "$t1")   (to /dev/null: the server side alone)"
    stop_hopsd
fi

if [[ " $PARTS " == *" 4 "* ]]; then
    echo
    echo "## 4. Network mix on MariaDB: one server, then two sharing the store ($MY_DIRS x 100 files, $CONNS connections, ${DURATION}s)"
    command -v mariadbd >/dev/null || { echo "run.sh: mariadbd not found (scripts/setup-deps)"; exit 2; }
    MY="$TMP/mariadb"; mkdir -p "$MY"
    mariadb-install-db --no-defaults --datadir="$MY/data" --user=root --auth-root-authentication-method=normal >/dev/null
    MY_PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    mariadbd --no-defaults --datadir="$MY/data" --socket="$MY/sock" --port="$MY_PORT" --bind-address=127.0.0.1 \
        --user=root --skip-log-bin --innodb-buffer-pool-size=1G --innodb-flush-log-at-trx-commit=2 \
        --max-connections=2000 >"$MY/log" 2>&1 &
    MY_PID=$!
    for _ in $(seq 1 300); do
        mariadb --no-defaults -uroot -h127.0.0.1 -P"$MY_PORT" -e 'select 1' >/dev/null 2>&1 && break
        sleep 0.1
    done
    STORE_URL="mysql://root@127.0.0.1:$MY_PORT/hopsbench"
    SHARED=(--store "$STORE_URL" --fs-blocks-dir "$TMP/shared-blocks" --pki-dir "$TMP/shared-pki")
    HOPSD_EXTRA=("${SHARED[@]}")
    mkdir -p "$TMP/my1" "$TMP/my2"
    start_hopsd "$TMP/my1"
    KEY="$(provision "$URL")"
    stop_hopsd
    "$BIN/fs_bench" prebuild --store "$STORE_URL" --project bench --owner admin --dirs "$MY_DIRS" \
        --files-per-dir 100 2> >(grep -v '"event":"store.migrated"' >&2)
    start_hopsd "$TMP/my1"; URL1="$URL"; PID1="$HOPSD_PID"
    "$BIN/fs_bench" net --url "$URL1" --key "$KEY" --project bench --dirs "$MY_DIRS" --files-per-dir 100 \
        --conns "$CONNS" --seconds "$DURATION"
    start_hopsd "$TMP/my2"; URL2="$URL"; PID2="$HOPSD_PID"
    "$BIN/fs_bench" net --url "$URL1,$URL2" --key "$KEY" --project bench --dirs "$MY_DIRS" --files-per-dir 100 \
        --conns "$CONNS" --seconds "$DURATION"
    HOPSD_PID="$PID2"; stop_hopsd
    HOPSD_PID="$PID1"; stop_hopsd
    HOPSD_EXTRA=()
    kill "$MY_PID"; wait "$MY_PID" 2>/dev/null || true
fi

if [[ " $PARTS " == *" 5 "* ]]; then
    echo
    echo "## 5. Data path on the S3 block store (s3rver on loopback): one ${S3_MIB} MiB file"
    S3RVER="$REPO/.deps/s3rver/node_modules/.bin/s3rver"
    [[ -x "$S3RVER" ]] || { echo "run.sh: $S3RVER not found (scripts/setup-deps)"; exit 2; }
    S3_PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    NODE_OPTIONS=--openssl-legacy-provider "$S3RVER" -d "$TMP/s3" -a 127.0.0.1 -p "$S3_PORT" \
        --configure-bucket hops >"$TMP/s3.log" 2>&1 &
    S3_PID=$!
    for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null && break; sleep 0.1; done
    HOPSD_EXTRA=(--fs-s3-endpoint "http://127.0.0.1:$S3_PORT" --fs-s3-bucket hops --fs-s3-access-key S3RVER
                 --fs-s3-secret-key S3RVER)
    mkdir -p "$TMP/s3data"
    start_hopsd "$TMP/s3data"
    KEY="$(provision "$URL")"
    head -c "$((S3_MIB * 1048576))" /dev/urandom >"$TMP/s3.src"
    echo "(multipart uploads signed with SigV4 over each part's SHA-256; ranged GETs, every 1 MiB chunk verified)"
    upload_download "$S3_MIB" "$TMP/s3.src" " (S3)"
    stop_hopsd
    HOPSD_EXTRA=()
    kill "$S3_PID"; wait "$S3_PID" 2>/dev/null || true
fi
