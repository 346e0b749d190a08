#!/usr/bin/python3
"""Fetch the bench project owner's member certificate for the mTLS runs.

usage: tls_client_cert.py BASE_URL CA_FILE OUT_DIR   (API key in HOPS_BENCH_APIKEY)

Writes OUT_DIR/cert.pem and OUT_DIR/key.pem, and checks that hopsd answers
GET /api/v1/projects/bench with the certificate alone exactly as it does
with the API key (the body nginx serves).
"""
import os
import sys

import requests

base, ca, out = sys.argv[1:4]
s = requests.Session()
s.trust_env = False  # $REQUESTS_CA_BUNDLE would replace the platform CA
s.verify = ca
key = {"Authorization": "ApiKey " + os.environ["HOPS_BENCH_APIKEY"]}
r = s.post(base + "/api/v1/projects/bench/certificates/me/bundle", json={"password": "bench-bundle"},
           headers=key, timeout=10)
if r.status_code != 200:
    sys.exit(f"tls_client_cert: bundle: HTTP {r.status_code}: {r.text[:300]}")
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "cert.pem"), "w") as f:
    f.write(r.json()["certificate_pem"])
with open(os.path.join(out, "key.pem"), "w") as f:
    f.write(r.json()["key_pem"])
with_key = s.get(base + "/api/v1/projects/bench", headers=key, timeout=10)
with_cert = requests.get(base + "/api/v1/projects/bench", verify=ca, timeout=10,
                         cert=(os.path.join(out, "cert.pem"), os.path.join(out, "key.pem")))
if with_cert.status_code != 200 or with_cert.content != with_key.content:
    sys.exit(f"tls_client_cert: the certificate's answer differs: HTTP {with_cert.status_code} {with_cert.text[:200]}")
