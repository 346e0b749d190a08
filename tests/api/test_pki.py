"""The platform CA, HTTPS by default, project-member certificates, mutual TLS,
revocation and service certificates, driven with clients nobody here wrote:
curl, openssl s_client / verify / pkcs12, and Python requests with a client
certificate."""
import base64
import datetime
import os
import stat
import subprocess
import time

import pytest
import requests

from tests.support.api import Api, unique
from tests.support.hopsd import HOPSD, Hopsd

PASSWORD = "password-123"


@pytest.fixture(scope="module")
def srv():
    s = Hopsd(tls=True, args=["--store-sync", "normal", "--max-projects-per-user", "100"]).start()
    yield s
    s.cleanup()


def api(srv, auth=None, cert=None):
    return Api(srv.url, auth, verify=srv.ca, cert=cert)


@pytest.fixture(scope="module")
def admin(srv):
    return api(srv, "Bearer " + srv.login())


def new_user(srv, admin):
    name = unique("u")
    r = admin.post("/api/v1/users", json={"username": name, "password": PASSWORD, "email": f"{name}@example.org"})
    assert r.status_code == 201, r.text
    return name, api(srv, "Bearer " + srv.login(name, PASSWORD))


def new_project(user):
    name = unique("p")
    assert user.post("/api/v1/projects", json={"name": name}).status_code == 201
    return name


def bundle(user, project, tmp_path, password="bundle-pass-1"):
    r = user.post(f"/api/v1/projects/{project}/certificates/me/bundle", json={"password": password})
    assert r.status_code == 200, r.text
    b = r.json()
    d = tmp_path / unique("b")
    d.mkdir()
    (d / "key.pem").write_text(b["key_pem"])
    (d / "cert.pem").write_text(b["certificate_pem"])
    (d / "chain.pem").write_text(b["chain_pem"])
    (d / "bundle.p12").write_bytes(base64.b64decode(b["pkcs12_base64"]))
    return b, d


def files(d):
    return (str(d / "cert.pem"), str(d / "key.pem"))


def hostport(srv):
    return srv.url[len("https://"):]


def curl(srv, path, d=None, *extra):
    args = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", srv.ca]
    if d is not None:
        args += ["--cert", str(d / "cert.pem"), "--key", str(d / "key.pem")]
    p = subprocess.run([*args, *extra, srv.url + path], capture_output=True, text=True, timeout=30)
    return p.stdout.strip()


def crl_file(srv, tmp_path):
    r = requests.get(srv.url + "/pki/crl.pem", verify=srv.ca)
    assert r.status_code == 200 and "BEGIN X509 CRL" in r.text
    p = tmp_path / unique("crl")
    p.write_text(r.text)
    return p


def openssl_verify(srv, d, tmp_path):
    p = subprocess.run(["openssl", "verify", "-crl_check", "-CAfile", str(d / "chain.pem"), "-CRLfile",
                        str(crl_file(srv, tmp_path)), str(d / "cert.pem")], capture_output=True, text=True)
    return p.returncode == 0, p.stdout + p.stderr


def test_https_by_default_with_the_platform_ca(srv, tmp_path):
    assert srv.url.startswith("https://")
    pki = srv.data_dir / "pki"
    for key in ["root-ca.key", "intermediate-ca.key", "server.key", "key-encryption.key"]:
        assert stat.S_IMODE(os.stat(pki / key).st_mode) == 0o600, key
    # The CA is served publicly and is the one on disk.
    served = requests.get(srv.url + "/pki/ca.pem", verify=srv.ca).text
    assert served == (pki / "root-ca.pem").read_text()
    chain = requests.get(srv.url + "/pki/chain.pem", verify=srv.ca).text
    assert chain.count("BEGIN CERTIFICATE") == 2
    # Not trusted without the platform CA; plain HTTP is not spoken.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(srv.url + "/healthz")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get("http://" + hostport(srv) + "/healthz", timeout=5)
    # openssl s_client verifies the served chain; names cover localhost and 127.0.0.1.
    for args, ok in [(["-tls1_2"], True), (["-tls1_3"], True), (["-tls1_1"], False)]:
        p = subprocess.run(["openssl", "s_client", "-connect", hostport(srv), "-CAfile", srv.ca,
                            "-verify_return_error", "-verify_ip", "127.0.0.1", *args],
                           input=b"", capture_output=True, timeout=10)
        assert (p.returncode == 0 and b"Verify return code: 0" in p.stdout) == ok, (args, p.stdout[-300:])
    text = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", str(pki / "server.pem")],
                          capture_output=True, text=True).stdout
    assert "DNS:localhost" in text and "IP Address:127.0.0.1" in text
    r = requests.get(srv.url + "/healthz", verify=srv.ca)
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_plain_http_needs_the_flag_and_loopback(tmp_path):
    p = subprocess.run([str(HOPSD), "--plain-http", "--listen", "0.0.0.0:0", "--data-dir", str(tmp_path / "d")],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode != 0 and "loopback" in p.stderr


def test_operator_given_root_ca_is_imported(tmp_path):
    pki = tmp_path / "d" / "pki"
    pki.mkdir(parents=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(pki / "root-ca.key"), "-out", str(pki / "root-ca.pem"), "-days", "30",
                    "-subj", "/O=Operator/CN=Operator Root", "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign"], check=True, capture_output=True)
    given = (pki / "root-ca.pem").read_text()
    s = Hopsd(data_dir=tmp_path / "d", tls=True).start()
    try:
        assert requests.get(s.url + "/pki/ca.pem", verify=s.ca).text == given
        p = subprocess.run(["openssl", "verify", "-CAfile", str(pki / "root-ca.pem"), "-untrusted",
                            str(pki / "intermediate-ca.pem"), str(pki / "server.pem")], capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
    finally:
        s.cleanup()


def test_member_certificate_bundle_and_mutual_tls(srv, admin, tmp_path):
    owner_name, owner = new_user(srv, admin)
    sci_name, sci = new_user(srv, admin)
    project, other = new_project(owner), new_project(sci)
    assert owner.post(f"/api/v1/projects/{project}/members",
                      json={"username": sci_name, "role": "DATA_SCIENTIST"}).status_code == 201
    b, d = bundle(sci, project, tmp_path)
    assert b["kind"] == "member" and b["status"] == "ACTIVE"
    # CN <project>__<user>; project and user also in the subject and a SAN URI.
    text = subprocess.run(["openssl", "x509", "-noout", "-subject", "-ext", "subjectAltName", "-in",
                           str(d / "cert.pem")], capture_output=True, text=True).stdout
    assert f"CN = {project}__{sci_name}" in text and f"OU = {project}" in text and f"UID = {sci_name}" in text
    assert f"URI:hops:project/{project}/user/{sci_name}" in text
    # The PKCS#12 file opens with the chosen password only.
    p = subprocess.run(["openssl", "pkcs12", "-in", str(d / "bundle.p12"), "-passin", "pass:bundle-pass-1",
                        "-nodes"], capture_output=True, text=True)
    assert p.returncode == 0 and "PRIVATE KEY" in p.stdout and p.stdout.count("BEGIN CERTIFICATE") == 3, p.stderr
    p = subprocess.run(["openssl", "pkcs12", "-in", str(d / "bundle.p12"), "-passin", "pass:wrong-password",
                        "-nodes"], capture_output=True, text=True)
    assert p.returncode != 0
    ok, out = openssl_verify(srv, d, tmp_path)
    assert ok, out
    # curl and requests authenticate with the files alone.
    assert curl(srv, f"/api/v1/projects/{project}", d) == "200"
    assert curl(srv, f"/api/v1/projects/{project}") == "401"
    mtls = api(srv, cert=files(d))
    me = mtls.get(f"/api/v1/projects/{project}").json()
    assert me["role"] == "DATA_SCIENTIST"
    assert mtls.get("/api/v1/users/me").json()["username"] == sci_name
    # Only that project: not the user's other project, not account or admin routes.
    assert mtls.get(f"/api/v1/projects/{other}").status_code == 404
    assert [p["name"] for p in mtls.get("/api/v1/projects").json()["items"]] == [project]
    assert mtls.post("/api/v1/users/me/apikeys", json={"name": "x", "scopes": ["PROJECT"]}).status_code == 403
    assert mtls.post("/api/v1/projects", json={"name": unique("p")}).status_code == 403
    # The member's role holds: a Data Scientist cannot add members.
    assert mtls.post(f"/api/v1/projects/{project}/members", json={"username": owner_name}).status_code in (403, 409)
    # WebHDFS with the certificate: write, read and list inside the project, nothing outside it.
    base = f"{srv.url}/webhdfs/v1/Projects/{project}/Resources"
    r = mtls.s.put(base + "/m.txt?op=CREATE", allow_redirects=False)
    assert r.status_code == 307, r.text
    assert mtls.s.put(r.headers["Location"], data=b"hello mtls").status_code == 201
    r = mtls.s.get(base + "/m.txt?op=OPEN", allow_redirects=False)
    assert mtls.s.get(r.headers["Location"]).content == b"hello mtls"
    assert mtls.s.get(f"{srv.url}/webhdfs/v1/Projects/{other}?op=LISTSTATUS").status_code in (403, 404)
    assert mtls.s.get(f"{srv.url}/webhdfs/v1/?op=LISTSTATUS").status_code == 403
    # A credential in the header wins over the certificate.
    both = api(srv, "Bearer " + srv.login(sci_name, PASSWORD), cert=files(d))
    assert both.get(f"/api/v1/projects/{other}").status_code == 200


def test_revocation_on_remove_rotate_delete_and_deactivate(srv, admin, tmp_path):
    owner_name, owner = new_user(srv, admin)
    sci_name, sci = new_user(srv, admin)
    project = new_project(owner)
    assert owner.post(f"/api/v1/projects/{project}/members", json={"username": sci_name}).status_code == 201
    # Removal: refused at once, listed in the CRL at once.
    b, d = bundle(sci, project, tmp_path)
    assert curl(srv, f"/api/v1/projects/{project}", d) == "200"
    assert owner.delete(f"/api/v1/projects/{project}/members/{sci_name}").status_code == 204
    assert curl(srv, f"/api/v1/projects/{project}", d) == "401"
    ok, out = openssl_verify(srv, d, tmp_path)
    assert not ok and "revoked" in out
    # Rejoining issues a fresh certificate.
    assert owner.post(f"/api/v1/projects/{project}/members", json={"username": sci_name}).status_code == 201
    b2, d2 = bundle(sci, project, tmp_path)
    assert b2["serial"] != b["serial"] and curl(srv, f"/api/v1/projects/{project}", d2) == "200"
    # Rotation: the old one is revoked, the new one works.
    r = sci.post(f"/api/v1/projects/{project}/certificates/me/rotate")
    assert r.status_code == 201 and r.json()["serial"] != b2["serial"]
    assert curl(srv, f"/api/v1/projects/{project}", d2) == "401"
    b3, d3 = bundle(sci, project, tmp_path)
    assert b3["serial"] == r.json()["serial"] and curl(srv, f"/api/v1/projects/{project}", d3) == "200"
    listed = {c["serial"]: c["status"] for c in
              sci.get(f"/api/v1/projects/{project}/certificates?include_revoked=true").json()["items"]}
    assert listed[b2["serial"]] == "REVOKED" and listed[b3["serial"]] == "ACTIVE"
    # Deactivation revokes every certificate of the user.
    assert admin.patch(f"/api/v1/users/{sci_name}", json={"status": "DEACTIVATED"}).status_code == 200
    assert curl(srv, f"/api/v1/projects/{project}", d3) == "401"
    ok, out = openssl_verify(srv, d3, tmp_path)
    assert not ok and "revoked" in out
    # Deleting the project revokes its certificates.
    _, do = bundle(owner, project, tmp_path)
    assert curl(srv, f"/api/v1/projects/{project}", do) == "200"
    assert owner.delete(f"/api/v1/projects/{project}").status_code == 204
    assert curl(srv, "/api/v1/users/me", do) == "401"
    ok, out = openssl_verify(srv, do, tmp_path)
    assert not ok and "revoked" in out
    # Every issue, download, rotation and revocation is audited.
    for action in ["cert.issue", "cert.download", "cert.rotate", "cert.revoke"]:
        recs = admin.get("/api/v1/admin/audit", params={"action": action, "project": project}).json()["items"]
        assert recs, action


def test_foreign_and_expired_certificates_are_refused(srv, admin, tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    owner_name, owner = new_user(srv, admin)
    project = new_project(owner)
    pki = srv.data_dir / "pki"
    inter = x509.load_pem_x509_certificate((pki / "intermediate-ca.pem").read_bytes())
    inter_key = serialization.load_pem_private_key((pki / "intermediate-ca.key").read_bytes(), None)

    def make(issuer_name, signing_key, not_before, not_after, serial=None):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{project}__{owner_name}")])
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name).public_key(key.public_key())
                .serial_number(serial or x509.random_serial_number()).not_valid_before(not_before)
                .not_valid_after(not_after).sign(signing_key, hashes.SHA256()))
        d = tmp_path / unique("c")
        d.mkdir()
        (d / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (d / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()))
        return d

    now = datetime.datetime.now(datetime.timezone.utc)
    day = datetime.timedelta(days=1)
    expired = make(inter.subject, inter_key, now - 3 * day, now - day)
    foreign_key = ec.generate_private_key(ec.SECP256R1())
    foreign = make(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hops Intermediate CA")]), foreign_key,
                   now - day, now + day)
    # Signed by the platform CA and in date, but never issued (not in the store).
    unknown = make(inter.subject, inter_key, now - day, now + day)
    # Signed by the platform CA with the serial of a real member certificate: a serial is public.
    real_serial = int(owner.get(f"/api/v1/projects/{project}/certificates/me").json()["serial"], 16)
    serial_twin = make(inter.subject, inter_key, now - day, now + day, serial=real_serial)
    for d in [expired, foreign]:
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(srv.url + "/api/v1/users/me", verify=srv.ca, cert=files(d))
        assert curl(srv, "/api/v1/users/me", d) == "000"
    for d in [unknown, serial_twin]:
        r = requests.get(srv.url + "/api/v1/users/me", verify=srv.ca, cert=files(d))
        assert r.status_code == 401 and "not a project-member certificate" in r.json()["error"]["message"]
    p = subprocess.run(["openssl", "s_client", "-connect", hostport(srv), "-CAfile", srv.ca, "-cert",
                        str(expired / "cert.pem"), "-key", str(expired / "key.pem")],
                       input=b"GET /healthz HTTP/1.0\r\n\r\n", capture_output=True, timeout=10)
    assert b"200 OK" not in p.stdout


def test_service_certificates_are_short_lived_and_renewable(srv, admin, tmp_path):
    owner_name, owner = new_user(srv, admin)
    sci_name, sci = new_user(srv, admin)
    project = new_project(owner)
    assert owner.post(f"/api/v1/projects/{project}/members", json={"username": sci_name}).status_code == 201
    for hours in [0, 25, -1]:
        r = sci.post(f"/api/v1/projects/{project}/certificates/service", json={"hours": hours})
        assert r.status_code == 422 and "hours" in r.json()["error"]["message"]
    assert sci.post(f"/api/v1/projects/{project}/certificates/service",
                    json={"username": owner_name}).status_code == 403
    r = owner.post(f"/api/v1/projects/{project}/certificates/service",
                   json={"username": sci_name, "hours": 2, "purpose": "nightly-job"})
    assert r.status_code == 201, r.text
    svc = r.json()
    assert svc["kind"] == "service" and svc["username"] == sci_name and svc["purpose"] == "nightly-job"
    life = (datetime.datetime.fromisoformat(svc["not_after"].replace("Z", "+00:00")) -
            datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 3600 < life <= 7200 + 60
    d = tmp_path / "svc"
    d.mkdir()
    (d / "cert.pem").write_text(svc["certificate_pem"])
    (d / "key.pem").write_text(svc["key_pem"])
    job = api(srv, cert=files(d))
    assert job.get(f"/api/v1/projects/{project}").json()["role"] == "DATA_SCIENTIST"
    # The job renews its own certificate before expiry, with a new key.
    r = job.post(f"/api/v1/projects/{project}/certificates/{svc['serial']}/renew", json={"hours": 1})
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["renewed_from"] == svc["serial"] and new["key_pem"] != svc["key_pem"]
    # The old certificate ends with its renewal; the job goes on with the new one.
    assert job.get(f"/api/v1/projects/{project}").status_code == 401
    (d / "cert.pem").write_text(new["certificate_pem"])
    (d / "key.pem").write_text(new["key_pem"])
    job = api(srv, cert=files(d))
    # A certificate cannot widen or outlive itself: no bundles, rotations, new
    # service certificates, renewing others, or deleting the project.
    for method, path, body in [("post", "/certificates/me/bundle", {"password": "long-enough-1"}),
                               ("post", "/certificates/me/rotate", None),
                               ("post", "/certificates/service", {"hours": 1}),
                               ("delete", "", None)]:
        r = getattr(job, method)(f"/api/v1/projects/{project}{path}", json=body)
        assert r.status_code == 403 and "not a certificate" in r.json()["error"]["message"], (path, r.text)
    other = owner.post(f"/api/v1/projects/{project}/certificates/service", json={"username": sci_name}).json()
    r = job.post(f"/api/v1/projects/{project}/certificates/{other['serial']}/renew")
    assert r.status_code == 403 and "only itself" in r.json()["error"]["message"]
    assert job.get(f"/api/v1/projects/{project}").json()["role"] == "DATA_SCIENTIST"
    # Member certificates are rotated, not renewed; revoked ones are not renewed.
    mine = sci.get(f"/api/v1/projects/{project}/certificates/me").json()
    assert sci.post(f"/api/v1/projects/{project}/certificates/{mine['serial']}/renew").status_code == 409
    assert sci.delete(f"/api/v1/projects/{project}/certificates/{new['serial']}?reason=key_compromise").status_code == 204
    assert sci.post(f"/api/v1/projects/{project}/certificates/{new['serial']}/renew").status_code == 409
    assert sci.delete(f"/api/v1/projects/{project}/certificates/{new['serial']}?reason=bogus").status_code == 422
    # A member who leaves loses the service certificates too.
    assert owner.delete(f"/api/v1/projects/{project}/members/{sci_name}").status_code == 204
    assert job.get(f"/api/v1/projects/{project}").status_code == 401


def test_bundle_input_is_checked(srv, admin):
    _, user = new_user(srv, admin)
    project = new_project(user)
    for body, code in [({"password": "short"}, 422), ({}, 400), ({"password": "long-enough", "x": 1}, 400),
                       ({"password": 12345678}, 400)]:
        r = user.post(f"/api/v1/projects/{project}/certificates/me/bundle", json=body)
        assert r.status_code == code, (body, r.text)
        assert r.json()["error"]["message"]
    assert user.post(f"/api/v1/projects/{unique('nope')}/certificates/me/bundle",
                     json={"password": "long-enough"}).status_code == 404


def test_crl_lists_revocations_with_reasons(srv, admin, tmp_path):
    _, user = new_user(srv, admin)
    project = new_project(user)
    serial = user.get(f"/api/v1/projects/{project}/certificates/me").json()["serial"]
    assert user.post(f"/api/v1/projects/{project}/certificates/me/rotate").status_code == 201
    text = subprocess.run(["openssl", "crl", "-noout", "-text", "-in", str(crl_file(srv, tmp_path))],
                          capture_output=True, text=True).stdout
    assert serial.upper().lstrip("0") in text.replace(":", "").upper()
    assert "Superseded" in text
    time.sleep(0)


def test_kill_during_member_changes_leaves_certificates_consistent(tmp_path):
    """kill -9 while members join and leave: after restart every member holds one
    active certificate, no active member certificate outlives its membership,
    and the CA and server certificate are the same."""
    import threading

    s = Hopsd(data_dir=tmp_path / "d", tls=True, args=["--store-sync", "normal"]).start()
    root_fp, server_pem = (s.data_dir / "pki" / "root-ca.pem").read_text(), (s.data_dir / "pki" / "server.pem").read_text()
    admin = api(s, "Bearer " + s.login())
    assert admin.post("/api/v1/projects", json={"name": "crash"}).status_code == 201
    names = [f"c{i:03d}" for i in range(40)]
    for n in names:
        assert admin.post("/api/v1/users", json={"username": n, "password": PASSWORD,
                                                 "email": f"{n}@x.io"}).status_code == 201

    done = []

    def churn():
        for i, n in enumerate(names):
            try:
                admin.post("/api/v1/projects/crash/members", json={"username": n})
                admin.delete(f"/api/v1/projects/crash/members/{names[i // 2]}")
            except requests.RequestException:
                return
            done.append(n)

    t = threading.Thread(target=churn)
    t.start()
    while len(done) < 5:
        time.sleep(0.005)
    s.kill()
    t.join()
    assert len(done) < len(names), "the server was killed too late to test anything"
    s.start()
    try:
        assert (s.data_dir / "pki" / "root-ca.pem").read_text() == root_fp
        assert (s.data_dir / "pki" / "server.pem").read_text() == server_pem
        orphans = s.sql("SELECT m.user_id FROM project_members m LEFT JOIN certificates c ON "
                        "c.project_id = m.project_id AND c.user_id = m.user_id AND c.kind = 'member' AND "
                        "c.revoked_at IS NULL WHERE c.serial IS NULL")
        stale = s.sql("SELECT c.serial FROM certificates c LEFT JOIN project_members m ON "
                      "m.project_id = c.project_id AND m.user_id = c.user_id WHERE c.revoked_at IS NULL "
                      "AND m.user_id IS NULL")
        doubled = s.sql("SELECT user_id FROM certificates WHERE kind = 'member' AND revoked_at IS NULL "
                        "GROUP BY project_id, user_id HAVING COUNT(*) > 1")
        assert orphans == [] and stale == [] and doubled == []
        admin = api(s, "Bearer " + s.login())
        assert admin.get("/api/v1/projects/crash/certificates/me").status_code == 200
    finally:
        s.cleanup()


def test_webhdfs_client_with_a_certificate(srv, admin, tmp_path):
    """fsspec's WebHDFS client, given only the member's certificate files."""
    from fsspec.implementations.webhdfs import WebHDFS

    _, user = new_user(srv, admin)
    project = new_project(user)
    _, d = bundle(user, project, tmp_path)
    host, port = hostport(srv).rsplit(":", 1)
    fs = WebHDFS(host, port=int(port), use_https=True, skip_instance_cache=True)
    fs.session.cert = files(d)
    fs.session.verify = srv.ca
    fs.session.trust_env = False  # $REQUESTS_CA_BUNDLE would replace the platform CA
    base = f"/Projects/{project}/Resources"
    fs.pipe(base + "/via-mtls.txt", b"written with a certificate")
    assert fs.cat(base + "/via-mtls.txt") == b"written with a certificate"
    assert base + "/via-mtls.txt" in fs.ls(base, detail=False)
    with pytest.raises((PermissionError, OSError)):
        fs.ls("/Projects")


def test_live_service_certificates_per_member_are_limited(srv, admin):
    _, user = new_user(srv, admin)
    project = new_project(user)
    serials = []
    for _ in range(100):
        r = user.post(f"/api/v1/projects/{project}/certificates/service", json={"hours": 1})
        assert r.status_code == 201, r.text
        serials.append(r.json()["serial"])
    r = user.post(f"/api/v1/projects/{project}/certificates/service", json={"hours": 1})
    assert r.status_code == 409 and r.json()["error"]["code"] == "QUOTA_EXCEEDED", r.text
    assert user.delete(f"/api/v1/projects/{project}/certificates/{serials[0]}").status_code == 204
    assert user.post(f"/api/v1/projects/{project}/certificates/service", json={"hours": 1}).status_code == 201
