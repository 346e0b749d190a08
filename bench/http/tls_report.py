#!/usr/bin/python3
"""Turn tls_bench JSON lines into the Markdown table of bench/http/run.sh."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
print("\n## HTTPS and mutual TLS (tls_bench, the same ECDSA P-256 certificate on both servers)\n")
print("| measure | clients | server | rate (/s) | p50 | p99 | errors (reconnects) | hopsd / nginx |")
print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")


def kind(r):
    return "mtls" if r["client_cert"] else "https"


ref = {(r["mode"], r["conns"], kind(r)): r["rate"] for r in rows if r["server"].startswith("nginx")}
for r in rows:
    ratio = ""
    if r["server"].startswith("hopsd") and ref.get((r["mode"], r["conns"], kind(r))):
        ratio = f"{r['rate'] / ref[(r['mode'], r['conns'], kind(r))]:.2f}"
    measure = "keep-alive requests" if r["mode"] == "keepalive" else "new connections (full handshake)"
    print(f"| {measure} | {r['conns']} | {r['server']} | {r['rate']:,.0f} | {r['p50_us'] / 1000:.2f} ms | "
          f"{r['p99_us'] / 1000:.2f} ms | {r['errors']} ({r.get('reconnects', 0)}) | {ratio} |")
