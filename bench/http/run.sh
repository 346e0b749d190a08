#!/usr/bin/env bash
# HTTP benchmark: hopsd `GET /api/v1/projects/bench` (API-key auth) against
# nginx serving the very same body bytes from a static file.
#
# Knobs (environment):
#   DURATION  wrk duration per measurement        (default 10s)
#   WARMUP    discarded wrk run before each one   (default 1s; 0 to skip)
#   CONNS     connection counts to measure         (default "1 16 64")
#   HOPSD     hopsd binary                         (default build/hopsd)
#   HOPSD_ARGS extra hopsd flags, e.g. "--workers 1" (default none)
#   PIN       1: both servers on CPU 0 (hopsd with one worker, like nginx's
#             one), wrk alone on CPU 1, so the load generator does not
#             compete with the servers (default 0: everything shares all CPUs)
#   RESULTS   directory for the Markdown result    (default bench/results)
#   TLS       1: also the HTTPS and mutual-TLS runs (default 1; 0 to skip)
#   TLS_CONNS connection counts for keep-alive TLS runs (default "1 16")
#   HS_CONNS  parallel clients for the handshake runs (default "4")
#   TLS_BENCH the TLS load generator              (default build/tls_bench)
#   MYSQL     1: also the plain-HTTP run on a MariaDB store with one server
#             and then two sharing it (default 0)
#   MY_CONNS  connection counts of the MariaDB runs (default "16 64")
#
# The TLS part restarts hopsd on its default HTTPS (its platform-issued
# ECDSA P-256 certificate) and runs a second nginx with the very same
# certificate and key, with ssl_verify_client against the same platform CA
# for mutual TLS. tls_bench measures both: keep-alive requests per second (an
# API key over HTTPS; the client certificate alone over mTLS) and full
# handshakes per second (a new connection, no resumption, one request each).
#
# Output: a Markdown table on stdout and in $RESULTS/http-<date>.md, raw wrk
# output in $RESULTS/http-<date>/. Exit status 1 if wrk saw non-2xx responses
# or socket errors.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-1s}"
CONNS="${CONNS:-1 16 64}"
HOPSD="${HOPSD:-$REPO/build/hopsd}"
HOPSD_ARGS="${HOPSD_ARGS:-}"
PIN="${PIN:-0}"
TLS="${TLS:-1}"
TLS_CONNS="${TLS_CONNS:-1 16}"
HS_CONNS="${HS_CONNS:-4}"
TLS_BENCH="${TLS_BENCH:-$REPO/build/tls_bench}"
MYSQL="${MYSQL:-0}"
MY_CONNS="${MY_CONNS:-16 64}"
SERVER_CPU=()
WRK_CPU=()
if [[ "$PIN" == 1 ]]; then
    command -v taskset >/dev/null || { echo "run.sh: PIN=1 needs taskset (util-linux)" >&2; exit 2; }
    SERVER_CPU=(taskset -c 0)
    WRK_CPU=(taskset -c 1)
    [[ "$HOPSD_ARGS" == *--workers* ]] || HOPSD_ARGS="$HOPSD_ARGS --workers 1"
fi
RESULTS="${RESULTS:-$REPO/bench/results}"
PY=/usr/bin/python3

for tool in wrk nginx "$PY"; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool not found" >&2; exit 2; }
done

TMP="$(mktemp -d /tmp/hops-bench-http.XXXXXX)"
HOPSD_PID=""
NGINX_PID=""
NGINX_TLS_PID=""
MY_PID=""
A_PID=""
B_PID=""

stop_pid() { # pid name
    local pid="$1" name="$2" i
    [[ -n "$pid" ]] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do          # up to 10 s
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    echo "run.sh: $name (pid $pid) did not stop on SIGTERM; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$NGINX_PID" nginx
    stop_pid "$NGINX_TLS_PID" nginx-tls
    stop_pid "$B_PID" hopsd
    stop_pid "$A_PID" hopsd
    stop_pid "$MY_PID" mariadbd
    stop_pid "$HOPSD_PID" hopsd
    wait 2>/dev/null || true
    if [[ $rc -ne 0 && $rc -ne 1 && -f "$TMP/hopsd.log" ]]; then
        echo "run.sh: failed (rc $rc); last hopsd log lines:" >&2
        tail -n 20 "$TMP/hopsd.log" >&2 || true
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() { echo "run.sh: $*" >&2; exit 2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port name pid
    local i
    for i in $(seq 1 300); do          # up to 30 s
        port_open "$1" && return 0
        kill -0 "$3" 2>/dev/null || die "$2 exited before listening on port $1"
        sleep 0.1
    done
    die "$2 did not listen on port $1 within 30 s"
}

free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The binary may be briefly missing while someone rebuilds it: wait, then take
# a private copy so a rebuild during the run cannot change what is measured.
for i in $(seq 1 120); do
    [[ -x "$HOPSD" ]] && break
    [[ $i -eq 1 ]] && echo "run.sh: waiting for $HOPSD to appear (rebuild in progress?)" >&2
    sleep 1
done
[[ -x "$HOPSD" ]] || die "hopsd binary $HOPSD not found"
sleep 1   # let a link that just finished settle
HOPSD_MTIME="$(date -r "$HOPSD" '+%Y-%m-%d %H:%M:%S')"
cp "$HOPSD" "$TMP/hopsd"

# --- 1. hopsd ---------------------------------------------------------------
export HOPS_ADMIN_PASSWORD="bench-$("$PY" -c 'import secrets; print(secrets.token_hex(12))')"
mkdir -p "$TMP/hops"
# Starts hopsd on data dir $1, logging to $2, with extra flags; waits until
# it answers; sets LAUNCH_PID and LAUNCH_ADDR (host:port).
launch_hopsd() {
    local dir="$1" log="$2"
    shift 2
    mkdir -p "$dir"
    rm -f "$dir/hopsd.addr"
    ${SERVER_CPU[@]+"${SERVER_CPU[@]}"} "$TMP/hopsd" --listen 127.0.0.1:0 --data-dir "$dir" --store-sync normal \
        "$@" $HOPSD_ARGS >>"$log" 2>&1 &
    LAUNCH_PID=$!
    for i in $(seq 1 300); do
        [[ -s "$dir/hopsd.addr" ]] && break
        kill -0 "$LAUNCH_PID" 2>/dev/null || die "hopsd exited during startup: $(tail -3 "$log")"
        sleep 0.1
    done
    [[ -s "$dir/hopsd.addr" ]] || die "hopsd wrote no $dir/hopsd.addr within 30 s"
    LAUNCH_ADDR="$(tr -d '[:space:]' <"$dir/hopsd.addr")"
    wait_port "${LAUNCH_ADDR##*:}" hopsd "$LAUNCH_PID"
}
# Starts hopsd on $TMP/hops with extra flags; sets HOPSD_PID, HOPSD_ADDR, HOPSD_PORT.
start_hopsd() {
    launch_hopsd "$TMP/hops" "$TMP/hopsd.log" "$@"
    HOPSD_PID="$LAUNCH_PID"
    HOPSD_ADDR="$LAUNCH_ADDR"
    HOPSD_PORT="${HOPSD_ADDR##*:}"
}
start_hopsd --plain-http
HOPSD_URL="http://$HOPSD_ADDR"

# --- 2. provision + same body for nginx --------------------------------------
URL_PATH=/api/v1/projects/bench
mkdir -p "$TMP/www/api/v1/projects"
HOPS_BENCH_APIKEY="$("$PY" "$HERE/provision.py" "$HOPSD_URL" "$TMP/www$URL_PATH")"
export HOPS_BENCH_APIKEY
unset HOPS_ADMIN_PASSWORD
BODY_BYTES="$(stat -c %s "$TMP/www$URL_PATH")"

# nginx workers may run as an unprivileged user (when we are root): let them
# read the document root.
chmod 755 "$TMP" "$TMP/www" "$TMP/www/api" "$TMP/www/api/v1" "$TMP/www/api/v1/projects"
chmod 644 "$TMP/www$URL_PATH"

NGINX_PORT="$(free_port)"
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    default_type application/json;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $TMP/www;
        location / { types { } default_type application/json; }
    }
}
EOF
${SERVER_CPU[@]+"${SERVER_CPU[@]}"} nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" -e "$TMP/nginx/error.log" \
    >"$TMP/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
wait_port "$NGINX_PORT" nginx "$NGINX_PID"
NGINX_URL="http://127.0.0.1:$NGINX_PORT"

# Both must answer 200 with identical body bytes before we measure.
"$PY" - "$HOPSD_URL$URL_PATH" "$NGINX_URL$URL_PATH" <<'EOF' || die "sanity check failed"
import os, sys, requests
h = {"Authorization": "ApiKey " + os.environ["HOPS_BENCH_APIKEY"]}
a, b = (requests.get(u, headers=h, timeout=10) for u in sys.argv[1:3])
if a.status_code != 200 or b.status_code != 200:
    sys.exit(f"run.sh: sanity check: hopsd HTTP {a.status_code}, nginx HTTP {b.status_code}")
if a.content != b.content:
    sys.exit("run.sh: sanity check: hopsd and nginx bodies differ")
EOF

# --- 3. measure ---------------------------------------------------------------
STAMP="$(date '+%Y-%m-%d_%H%M%S')"
RAW="$RESULTS/http-$STAMP"
mkdir -p "$RAW"
LUA="$HERE/apikey.lua"

run_wrk() { # name url conns
    local name="$1" url="$2" c="$3" t=$(( $3 < 2 ? $3 : 2 ))
    [[ "$PIN" == 1 ]] && t=1
    if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
        ${WRK_CPU[@]+"${WRK_CPU[@]}"} wrk -t"$t" -c"$c" -d"$WARMUP" -s "$LUA" "$url" >/dev/null 2>&1 || true
    fi
    echo "== $name c=$c: wrk -t$t -c$c -d$DURATION --latency $url" >&2
    ${WRK_CPU[@]+"${WRK_CPU[@]}"} wrk -t"$t" -c"$c" -d"$DURATION" --latency -s "$LUA" "$url" >"$RAW/$name-$c.txt" 2>&1 \
        || echo "run.sh: wrk against $name at c=$c exited non-zero" >&2
}

for c in $CONNS; do
    [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "bad connection count '$c' in CONNS"
    run_wrk hopsd "$HOPSD_URL$URL_PATH" "$c"
    kill -0 "$HOPSD_PID" 2>/dev/null || die "hopsd died during the c=$c run"
    run_wrk nginx "$NGINX_URL$URL_PATH" "$c"
done

# hopsd must still be healthy after the load.
"$PY" - "$HOPSD_URL$URL_PATH" <<'EOF' || echo "run.sh: hopsd unhealthy after load" >&2
import os, sys, requests
r = requests.get(sys.argv[1], headers={"Authorization": "ApiKey " + os.environ["HOPS_BENCH_APIKEY"]}, timeout=10)
if r.status_code != 200:
    sys.exit(f"run.sh: after load hopsd answered HTTP {r.status_code}: {r.text[:300]}")
EOF
grep -iE '"level":"(warn|error)"|\b(WARN|ERROR)\b' "$TMP/hopsd.log" | sort | uniq -c | sort -rn | head -20 \
    >"$RAW/hopsd-warnings.txt" || true
cp "$TMP/hopsd.log" "$RAW/hopsd.log"

# --- 4. report ----------------------------------------------------------------
COMMIT="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY="$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null | wc -l)"
[[ "$DIRTY" -gt 0 ]] && COMMIT="$COMMIT (+$DIRTY modified tracked files)"
CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
cat >"$RAW/facts.txt" <<EOF
date: $(date '+%Y-%m-%d %H:%M:%S %z')
host: nproc $(nproc), CPU $CPU, $(uname -sr)
hopsd: commit $COMMIT, binary $HOPSD (built $HOPSD_MTIME), --store-sync normal, ${HOPSD_ARGS:-otherwise default settings (workers = CPU count)}
nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //'), worker_processes 1, access_log off, static file
wrk: $(wrk -v 2>&1 | head -1 | awk '{print $1, $2}'), threads min(2, connections), duration $DURATION, warm-up $WARMUP (discarded), runs on the same machine
request: GET $URL_PATH with Authorization: ApiKey (both servers), body $BODY_BYTES bytes
raw wrk output: ${RAW#$REPO/}/
EOF
rc=0
CONNS="$CONNS" "$PY" "$HERE/report.py" "$RAW" "$RESULTS/http-$STAMP.md" || rc=$?
# --- 5. HTTPS and mutual TLS --------------------------------------------------
if [[ "$TLS" == 1 ]]; then
    [[ -x "$TLS_BENCH" ]] || die "TLS load generator $TLS_BENCH not found (ninja -C build tls_bench)"
    stop_pid "$HOPSD_PID" hopsd
    start_hopsd   # HTTPS, the default
    HOPSD_TLS_PORT="$HOPSD_PORT"
    PKI="$TMP/hops/pki"
    # The bench project owner's member certificate, for the mTLS runs.
    "$PY" "$HERE/tls_client_cert.py" "https://$HOPSD_ADDR" "$PKI/root-ca.pem" "$TMP/client" \
        || die "cannot fetch the member certificate"
    NGINX_TLS_PORT="$(free_port)"
    NGINX_MTLS_PORT="$(free_port)"
    mkdir -p "$TMP/nginx-tls"
    chmod 755 "$TMP/hops" "$PKI"
    chmod 644 "$PKI/server.key"   # nginx workers may run unprivileged (a throw-away benchmark CA)
    cat >"$TMP/nginx-tls/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $TMP/nginx-tls/nginx.pid;
error_log $TMP/nginx-tls/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    default_type application/json;
    client_body_temp_path $TMP/nginx-tls/client_body;
    proxy_temp_path $TMP/nginx-tls/proxy;
    fastcgi_temp_path $TMP/nginx-tls/fastcgi;
    uwsgi_temp_path $TMP/nginx-tls/uwsgi;
    scgi_temp_path $TMP/nginx-tls/scgi;
    ssl_certificate $PKI/server.pem;
    ssl_certificate_key $PKI/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_tickets off;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    server {
        listen 127.0.0.1:$NGINX_TLS_PORT ssl;
        root $TMP/www;
        location / { types { } default_type application/json; }
    }
    server {
        listen 127.0.0.1:$NGINX_MTLS_PORT ssl;
        ssl_client_certificate $PKI/trust.pem;
        ssl_verify_client on;
        ssl_verify_depth 3;
        root $TMP/www;
        location / { types { } default_type application/json; }
    }
}
EOF
    ${SERVER_CPU[@]+"${SERVER_CPU[@]}"} nginx -c "$TMP/nginx-tls/nginx.conf" -p "$TMP/nginx-tls" \
        -e "$TMP/nginx-tls/error.log" >"$TMP/nginx-tls/stdout.log" 2>&1 &
    NGINX_TLS_PID=$!
    wait_port "$NGINX_TLS_PORT" nginx-tls "$NGINX_TLS_PID"
    CLIENT=(--cert "$TMP/client/cert.pem" --key "$TMP/client/key.pem")
    AUTH=(--header "Authorization: ApiKey $HOPS_BENCH_APIKEY")
    tls_run() { # name port mode conns extra...
        local name="$1" port="$2" mode="$3" c="$4"
        shift 4
        echo "== $name $mode c=$c" >&2
        if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
            ${WRK_CPU[@]+"${WRK_CPU[@]}"} "$TLS_BENCH" --host 127.0.0.1 --port "$port" --path "$URL_PATH" \
                --ca "$PKI/root-ca.pem" --conns "$c" --seconds "${WARMUP%s}" --mode "$mode" "$@" >/dev/null 2>&1 || true
        fi
        ${WRK_CPU[@]+"${WRK_CPU[@]}"} "$TLS_BENCH" --host 127.0.0.1 --port "$port" --path "$URL_PATH" \
            --ca "$PKI/root-ca.pem" --conns "$c" --seconds "${DURATION%s}" --mode "$mode" "$@" \
            | NAME="$name" "$PY" -c 'import json,os,sys; r=json.loads(sys.stdin.read()); r["server"]=os.environ["NAME"]; print(json.dumps(r))' \
            >>"$RAW/tls.jsonl"
    }
    for c in $TLS_CONNS; do
        tls_run "hopsd https (API key)" "$HOPSD_TLS_PORT" keepalive "$c" "${AUTH[@]}"
        tls_run "nginx https" "$NGINX_TLS_PORT" keepalive "$c" "${AUTH[@]}"
        tls_run "hopsd mTLS (certificate)" "$HOPSD_TLS_PORT" keepalive "$c" "${CLIENT[@]}"
        tls_run "nginx mTLS" "$NGINX_MTLS_PORT" keepalive "$c" "${CLIENT[@]}"
    done
    for c in $HS_CONNS; do
        tls_run "hopsd https (API key)" "$HOPSD_TLS_PORT" handshake "$c" "${AUTH[@]}"
        tls_run "nginx https" "$NGINX_TLS_PORT" handshake "$c" "${AUTH[@]}"
        tls_run "hopsd mTLS (certificate)" "$HOPSD_TLS_PORT" handshake "$c" "${CLIENT[@]}"
        tls_run "nginx mTLS" "$NGINX_MTLS_PORT" handshake "$c" "${CLIENT[@]}"
    done
    chmod 600 "$PKI/server.key"
    "$PY" "$HERE/tls_report.py" "$RAW/tls.jsonl" | tee -a "$RESULTS/http-$STAMP.md"
fi

# --- 6. On MariaDB, one server and two sharing the store ---------------------
if [[ "$MYSQL" == 1 ]]; then
    command -v mariadbd >/dev/null || die "MYSQL=1 needs mariadbd (scripts/setup-deps)"
    stop_pid "$HOPSD_PID" hopsd
    MY="$TMP/mariadb"; mkdir -p "$MY"
    mariadb-install-db --no-defaults --datadir="$MY/data" --user=root --auth-root-authentication-method=normal >/dev/null
    MY_PORT="$(free_port)"
    ${SERVER_CPU[@]+"${SERVER_CPU[@]}"} mariadbd --no-defaults --datadir="$MY/data" --socket="$MY/sock" \
        --port="$MY_PORT" --bind-address=127.0.0.1 --user=root --skip-log-bin --innodb-buffer-pool-size=512M \
        --innodb-flush-log-at-trx-commit=2 --max-connections=2000 >"$MY/log" 2>&1 &
    MY_PID=$!
    for i in $(seq 1 300); do
        mariadb --no-defaults -uroot -h127.0.0.1 -P"$MY_PORT" -e 'select 1' >/dev/null 2>&1 && break
        sleep 0.1
    done
    SHARED=(--plain-http --store "mysql://root@127.0.0.1:$MY_PORT/hopsbench" --pki-dir "$TMP/shared-pki"
            --fs-blocks-dir "$TMP/shared-blocks")
    start_on() { # data_dir -> sets ON_PID, ON_URL
        launch_hopsd "$1" "$1.log" "${SHARED[@]}"
        ON_PID="$LAUNCH_PID"
        ON_URL="http://$LAUNCH_ADDR"
    }
    export HOPS_ADMIN_PASSWORD="bench-$("$PY" -c 'import secrets; print(secrets.token_hex(12))')"
    start_on "$TMP/myA"; A_PID="$ON_PID"; A_URL="$ON_URL"
    mkdir -p "$TMP/mywww"
    HOPS_BENCH_APIKEY="$("$PY" "$HERE/provision.py" "$A_URL" "$TMP/mywww/body")"
    export HOPS_BENCH_APIKEY
    unset HOPS_ADMIN_PASSWORD
    rps() { grep -m1 'Requests/sec' "$1" | awk '{print $2}'; }
    echo "== MariaDB, one server" >&2
    for c in $MY_CONNS; do
        wrk -t2 -c"$c" -d"$DURATION" -s "$LUA" "$A_URL$URL_PATH" >"$RAW/mariadb-1-$c.txt" 2>&1 || true
    done
    start_on "$TMP/myB"; B_PID="$ON_PID"; B_URL="$ON_URL"
    echo "== MariaDB, two servers" >&2
    for c in $MY_CONNS; do
        half=$(( c / 2 > 0 ? c / 2 : 1 ))
        wrk -t1 -c"$half" -d"$DURATION" -s "$LUA" "$A_URL$URL_PATH" >"$RAW/mariadb-2a-$c.txt" 2>&1 &
        WA=$!
        wrk -t1 -c"$half" -d"$DURATION" -s "$LUA" "$B_URL$URL_PATH" >"$RAW/mariadb-2b-$c.txt" 2>&1 || true
        wait "$WA" || true
    done
    {
        echo
        echo "## On MariaDB: one server, and two sharing the store (wrk, same request and API key)"
        echo
        echo "| connections | one server req/s | two servers req/s (sum of two wrk, half the connections each) |"
        echo "| ---: | ---: | ---: |"
        for c in $MY_CONNS; do
            two="$("$PY" -c "print(f'{float(\"$(rps "$RAW/mariadb-2a-$c.txt")\") + float(\"$(rps "$RAW/mariadb-2b-$c.txt")\"):,.0f}')")"
            one="$("$PY" -c "print(f'{float(\"$(rps "$RAW/mariadb-1-$c.txt")\"):,.0f}')")"
            echo "| $c | $one | $two |"
        done
    } | tee -a "$RESULTS/http-$STAMP.md"
    stop_pid "$B_PID" hopsd
    stop_pid "$A_PID" hopsd
    stop_pid "$MY_PID" mariadbd
fi

echo
echo "Written to ${RESULTS#$REPO/}/http-$STAMP.md"
if [[ -s "$RAW/hopsd-warnings.txt" ]]; then
    echo "hopsd logged warnings/errors (count, line):"
    cat "$RAW/hopsd-warnings.txt"
fi
exit "$rc"
