"""Starts and stops a real hopsd for integration tests.

Each server gets an ephemeral port (`--listen 127.0.0.1:0`) and its own
temporary data directory; hopsd writes the address it bound to into
`<data-dir>/hopsd.addr`, which is how tests find it.

hopsd serves HTTPS by default. Suites about other features run it with
`--plain-http` on loopback (tls=False); the security suites (PKI, mutual TLS,
the authorization matrix, the CLI and SDK over HTTPS) use tls=True and trust
the server's own platform CA (`self.ca`).
"""
import contextlib
import hashlib
import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import time

import requests

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN_DIR = pathlib.Path(os.environ.get("HOPS_BIN_DIR", REPO / "build"))
HOPSD = BIN_DIR / "hopsd"
HOPS_CLI = BIN_DIR / "hops"
ADMIN_PASSWORD = "admin-Secret-123"

# Every password, token and key the suites use (the harness and tests.support.api
# add them as they go by). Each hopsd's log is searched for all of them when
# the server stops: a secret in a log fails the test that stopped it.
SECRETS = set()
# The store every test server uses unless a test says otherwise: empty for the
# embedded SQLite default, or mysql://USER@HOST:PORT (scripts/run-tests sets it).
STORE, _, STORE_OPTIONS = os.environ.get("HOPS_TEST_STORE", "").partition("?")  # mysql://USER@HOST:PORT[?options]
STORE = STORE.rstrip("/")
# HOPS_TEST_S3=http://127.0.0.1:PORT (an s3rver) puts every test server's
# blocks in that S3 bucket, under a prefix of its own.
S3 = os.environ.get("HOPS_TEST_S3", "").rstrip("/")


def remember(secret):
    if isinstance(secret, str) and len(secret) >= 8:
        SECRETS.add(secret)


def check_log_for_secrets(path):
    try:
        text = pathlib.Path(path).read_text(errors="replace")
    except FileNotFoundError:
        return
    for secret in SECRETS:
        at = text.find(secret)
        if at >= 0:
            raise AssertionError(f"a secret ({secret[:4]}...) leaked into {path}: ...{text[max(0, at - 200):at]}")


class Hopsd:
    def __init__(self, data_dir=None, args=(), env=None, admin_password=ADMIN_PASSWORD, tls=False):
        self.owns_dir = data_dir is None
        self.data_dir = pathlib.Path(data_dir or tempfile.mkdtemp(prefix="hopsd-test-"))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.tls = tls
        self.args = list(args) if tls or "--tls-cert" in args else ["--plain-http", *args]
        # HOPS_TEST_STORE=mysql://USER@HOST:PORT runs the server on that MariaDB,
        # in a database of its own (named after its data directory, so a restart
        # finds it again).
        if STORE and "--store" not in self.args:
            db = "hops_" + hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:16]
            self.args += ["--store", f"{STORE}/{db}" + (f"?{STORE_OPTIONS}" if STORE_OPTIONS else "")]
        if S3 and "--fs-s3-endpoint" not in self.args and "--fs-blocks-dir" not in self.args:
            from tests.support.s3 import hopsd_args
            prefix = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:16] + "/"
            self.args += hopsd_args(S3, prefix)
        self.ca = str(self.data_dir / "pki" / "root-ca.pem")  # the platform CA (tls=True)
        self.env = dict(os.environ)
        self.env["HOPS_ADMIN_PASSWORD"] = admin_password
        self.env.update(env or {})
        self.admin_password = admin_password
        remember(admin_password)
        self.proc = None
        self.url = None
        self.log_path = self.data_dir / "hopsd.log"

    def start(self, timeout=20):
        addr_file = self.data_dir / "hopsd.addr"
        if addr_file.exists():
            addr_file.unlink()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(HOPSD), "--listen", "127.0.0.1:0", "--data-dir", str(self.data_dir), *self.args],
            stdout=log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hopsd exited with {self.proc.returncode}: {self.log()}")
            if addr_file.exists():
                addr = addr_file.read_text().strip()
                if addr:
                    self.url = f"{'https' if self.tls else 'http'}://{addr}"
                    try:
                        if requests.get(self.url + "/healthz", timeout=2, verify=self.verify).status_code == 200:
                            return self
                    except requests.ConnectionError:
                        pass
            time.sleep(0.05)
        raise RuntimeError("hopsd did not start: " + self.log())

    # Blocks, wherever this server keeps them (its blocks directory or its S3 prefix).
    def _s3(self):
        if "--fs-s3-endpoint" not in self.args:
            return None, None
        return self.args[self.args.index("--fs-s3-endpoint") + 1], self.args[self.args.index("--fs-s3-prefix") + 1]

    def _blocks_dir(self):
        if "--fs-blocks-dir" in self.args:
            return pathlib.Path(self.args[self.args.index("--fs-blocks-dir") + 1])
        return self.data_dir / "blocks"

    def blocks(self):
        """{block id: size} of every stored block."""
        endpoint, prefix = self._s3()
        if endpoint:
            from tests.support.s3 import list_objects
            return {k[len(prefix):]: n for k, n in list_objects(endpoint, prefix)}
        return {p.name: p.stat().st_size for p in self._blocks_dir().rglob("*") if p.is_file()}

    def read_block(self, block_id):
        endpoint, prefix = self._s3()
        if endpoint:
            from tests.support.s3 import BUCKET
            return requests.get(f"{endpoint}/{BUCKET}/{prefix}{block_id}", timeout=30).content
        return (self._blocks_dir() / block_id[:2] / block_id).read_bytes()

    def write_block(self, block_id, data):
        """Writes a block behind the server's back (corruption and orphan tests)."""
        endpoint, prefix = self._s3()
        if endpoint:
            from tests.support.s3 import BUCKET
            requests.put(f"{endpoint}/{BUCKET}/{prefix}{block_id}", data=data, timeout=30).raise_for_status()
            return
        path = self._blocks_dir() / block_id[:2] / block_id
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    @property
    def store_args(self):
        """The --store flag this server runs with ([] for the embedded default)."""
        i = self.args.index("--store") if "--store" in self.args else -1
        return self.args[i:i + 2] if i >= 0 else []

    def sql(self, *statements):
        """Runs SQL directly on this server's store (behind its back, for fault
        tests); returns the rows of the last statement as tuples."""
        store = self.store_args[1] if self.store_args else ""
        if not store.startswith("mysql://"):
            import sqlite3
            db = sqlite3.connect(store[len("sqlite://"):] if store else self.data_dir / "meta.db")
            try:
                rows = []
                for st in statements:
                    rows = db.execute(st).fetchall()
                db.commit()
                return rows
            finally:
                db.close()
        import urllib.parse
        u = urllib.parse.urlsplit(store)
        cmd = ["mariadb", "--no-defaults", "-N", "-B", "-u", u.username or "root", "-h", u.hostname,
               "-P", str(u.port or 3306), u.path.lstrip("/"), "-e", ";".join(statements)]
        if u.password:
            cmd.insert(3, f"-p{u.password}")
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        conv = lambda v: None if v == "NULL" else int(v) if v.lstrip("-").isdigit() else v  # noqa: E731
        return [tuple(conv(v) for v in line.split("\t")) for line in out.splitlines()]

    @property
    def verify(self):
        """What `requests` should verify the server with."""
        return self.ca if self.tls else True

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except FileNotFoundError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            check_log_for_secrets(self.log_path)
        return self.proc.returncode if self.proc else None

    def kill(self):
        return self.stop(signal.SIGKILL)

    def cleanup(self):
        self.stop()
        if self.owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # Convenience for tests -------------------------------------------------
    def login(self, username="admin", password=None):
        r = requests.post(self.url + "/api/v1/auth/login",
                          json={"username": username, "password": password or self.admin_password},
                          verify=self.verify)
        r.raise_for_status()
        remember(password)
        remember(r.json()["token"])
        return r.json()["token"]

    def session(self, username="admin", password=None):
        s = requests.Session()
        s.verify = self.verify
        s.trust_env = not self.tls  # REQUESTS_CA_BUNDLE would override verify
        s.headers["Authorization"] = "Bearer " + self.login(username, password)
        return s


@contextlib.contextmanager
def running(args=(), **kw):
    """A started hopsd for the duration of a `with` block (fixtures use it).

    A missing binary is an error, never a skip: a suite that silently skips
    would let a broken build pass.
    """
    if not HOPSD.exists():
        raise RuntimeError(f"hopsd binary not found at {HOPSD}; run `make build` or set HOPS_BIN_DIR")
    srv = Hopsd(args=args, **kw).start()
    try:
        yield srv
    finally:
        srv.cleanup()
