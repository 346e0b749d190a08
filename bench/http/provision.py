#!/usr/bin/python3
"""Set up hopsd for the HTTP benchmark.

usage: provision.py BASE_URL BODY_FILE   (admin password in HOPS_ADMIN_PASSWORD)

Logs in as admin, creates project `bench` and an API key with PROJECT scope,
then fetches GET /api/v1/projects/bench with that key and writes the exact
response body bytes to BODY_FILE (for nginx to serve). Prints the API key on
stdout; everything else goes to stderr.
"""
import os
import sys

import requests


def check(resp, what, ok=(200, 201)):
    if resp.status_code not in ok:
        sys.exit(f"provision: {what} failed: HTTP {resp.status_code}: {resp.text[:500]}")
    return resp


def main():
    base, body_file = sys.argv[1].rstrip("/"), sys.argv[2]
    password = os.environ["HOPS_ADMIN_PASSWORD"]
    s = requests.Session()
    r = check(s.post(f"{base}/api/v1/auth/login",
                     json={"username": "admin", "password": password}, timeout=10), "login")
    token = r.json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    check(s.post(f"{base}/api/v1/projects", headers=bearer,
                 json={"name": "bench", "description": "benchmark"}, timeout=10), "create project")
    r = check(s.post(f"{base}/api/v1/users/me/apikeys", headers=bearer,
                     json={"name": "bench", "scopes": ["PROJECT"]}, timeout=10), "create API key")
    key = r.json()["key"]
    apikey = {"Authorization": f"ApiKey {key}"}
    r = check(s.get(f"{base}/api/v1/projects/bench", headers=apikey, timeout=10),
              "GET project with API key", ok=(200,))
    body = r.content
    # The benchmark assumes the body is stable; make sure a second read matches.
    again = check(s.get(f"{base}/api/v1/projects/bench", headers=apikey, timeout=10),
                  "second GET project", ok=(200,)).content
    if again != body:
        print("provision: warning: GET /api/v1/projects/bench body changed between two reads",
              file=sys.stderr)
    with open(body_file, "wb") as f:
        f.write(body)
    print(f"provision: body {len(body)} bytes, Content-Type {r.headers.get('Content-Type')}",
          file=sys.stderr)
    print(key)


if __name__ == "__main__":
    main()
