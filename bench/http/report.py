#!/usr/bin/python3
"""Parse wrk --latency outputs and print/write the hopsd vs nginx table.

usage: report.py OUT_DIR RESULT_MD
OUT_DIR holds hopsd-<c>.txt and nginx-<c>.txt (raw wrk output) and facts.txt
(lines of `key: value`). The table goes to stdout and RESULT_MD.
"""
import os
import re
import sys

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError(f"unparsable latency {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def parse(path):
    with open(path) as f:
        out = f.read()
    r = {"raw": out, "problems": []}
    m = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    r["rps"] = float(m.group(1)) if m else None
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}(?:\.0+)?%\s+(\S+)", out, re.M)
        r["p" + pct] = to_ms(m.group(1)) if m else None
    m = re.search(r"^\s+(\d+) requests in ([\d.]+\w+)", out, re.M)
    r["requests"] = int(m.group(1)) if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        r["problems"].append(f"{m.group(1)} non-2xx/3xx responses")
    m = re.search(r"Socket errors: (.*)", out)
    if m:
        r["problems"].append("socket errors: " + m.group(1).strip())
    if r["rps"] is None:
        r["problems"].append("no Requests/sec line (wrk failed?)")
    return r


def fmt_ms(v):
    if v is None:
        return "n/a"
    if v < 1:
        return f"{v * 1000:.0f} µs"
    if v < 100:
        return f"{v:.2f} ms"
    return f"{v:.0f} ms"


def fmt_rps(v):
    return "n/a" if v is None else f"{v:,.0f}"


def main():
    out_dir, result_md = sys.argv[1], sys.argv[2]
    facts = []
    with open(os.path.join(out_dir, "facts.txt")) as f:
        facts = [line.rstrip("\n") for line in f if line.strip()]
    conns = [c for c in os.environ.get("CONNS", "1 16 64").split()]

    lines = ["# HTTP benchmark: hopsd vs nginx (static file, same body bytes)", ""]
    lines += [f"- {fact}" for fact in facts]
    lines += ["",
              "| connections | hopsd req/s | hopsd p50 | hopsd p99 | nginx req/s | nginx p50 | nginx p99 | ratio hopsd/nginx |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    problems = []
    for c in conns:
        h = parse(os.path.join(out_dir, f"hopsd-{c}.txt"))
        n = parse(os.path.join(out_dir, f"nginx-{c}.txt"))
        ratio = (f"{h['rps'] / n['rps']:.2f}"
                 if h["rps"] and n["rps"] else "n/a")
        lines.append(f"| {c} | {fmt_rps(h['rps'])} | {fmt_ms(h['p50'])} | {fmt_ms(h['p99'])} "
                     f"| {fmt_rps(n['rps'])} | {fmt_ms(n['p50'])} | {fmt_ms(n['p99'])} | {ratio} |")
        for name, r in (("hopsd", h), ("nginx", n)):
            for p in r["problems"]:
                problems.append(f"{name} at {c} connections: {p}")
    lines.append("")
    if problems:
        lines.append("**Problems seen (results above are not clean):**")
        lines += [f"- {p}" for p in problems]
    else:
        lines.append("No non-2xx responses or socket errors reported by wrk.")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    os.makedirs(os.path.dirname(result_md) or ".", exist_ok=True)
    with open(result_md, "w") as f:
        f.write(text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
