"""An S3 protocol peer for the tests: npm `s3rver` (fetched into .deps/ by
scripts/setup-deps) on 127.0.0.1 with a temporary directory and bucket `hops`,
credentials S3RVER / S3RVER, path-style addressing."""
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
S3RVER = REPO / ".deps" / "s3rver" / "node_modules" / ".bin" / "s3rver"
GUARD = pathlib.Path(__file__).resolve().parent / "s3rver_guard.js"
BUCKET = "hops"
ACCESS_KEY = SECRET_KEY = "S3RVER"


class S3rver:
    def __init__(self, base=None, port=None, service_endpoint=None):
        if not S3RVER.exists():
            raise RuntimeError(f"{S3RVER} is missing; run scripts/setup-deps")
        self.base = pathlib.Path(base or tempfile.mkdtemp(prefix="hops-s3-"))
        self.base.mkdir(parents=True, exist_ok=True)
        if port is None:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
        self.port = port
        self.proc = None
        # With a service endpoint, s3rver takes `<bucket>.s3.<service endpoint>`
        # in the Host header as virtual-hosted addressing.
        self.service_endpoint = service_endpoint

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=30):
        log = open(self.base / "s3rver.log", "ab")
        self.proc = subprocess.Popen([str(S3RVER), "-d", str(self.base / "data"), "-a", "127.0.0.1", "-p",
                                      str(self.port), "--configure-bucket", BUCKET,
                                      *(["--service-endpoint", self.service_endpoint] if self.service_endpoint else [])],
                                     stdout=log, stderr=subprocess.STDOUT,
                                     # s3rver's continuation tokens use a cipher OpenSSL 3 keeps in its legacy provider;
                                     # the guard closes a race in s3rver (s3rver_guard.js)
                                     env=dict(os.environ, NODE_PATH=str(S3RVER.parents[1]),
                                              NODE_OPTIONS=f"--openssl-legacy-provider --require {GUARD}"))
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError("s3rver did not start: " + (self.base / "s3rver.log").read_text(errors="replace")[-2000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def objects(self, prefix=""):
        """Keys of the objects in the bucket (from s3rver's directory)."""
        root = self.base / "data" / BUCKET
        keys = [str(p.relative_to(root))[:-len("._S3rver_object")] for p in root.rglob("*._S3rver_object")]
        return sorted(k for k in keys if k.startswith(prefix))

    def object_file(self, key):
        return self.base / "data" / BUCKET / (key + "._S3rver_object")

    def cleanup(self):
        if self.proc and self.proc.poll() is not None:  # it died under the tests: say why
            import sys
            log = (self.base / "s3rver.log").read_text(errors="replace")
            print(f"s3rver exited with {self.proc.returncode}; its log ends:\n{log[-3000:]}", file=sys.stderr)
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def hopsd_args(endpoint, prefix):
    return ["--fs-s3-endpoint", endpoint, "--fs-s3-bucket", BUCKET, "--fs-s3-prefix", prefix,
            "--fs-s3-access-key", ACCESS_KEY, "--fs-s3-secret-key", SECRET_KEY]


def list_objects(endpoint, prefix):
    """(key, size) of every object under `prefix` (ListObjectsV2, following continuation tokens)."""
    import re
    import requests
    out, token = [], None
    while True:
        params = {"list-type": "2", "prefix": prefix}
        if token:
            params["continuation-token"] = token
        body = requests.get(f"{endpoint}/{BUCKET}", params=params, timeout=30).text
        for item in re.findall(r"<Contents>(.*?)</Contents>", body, re.S):
            out.append((re.search(r"<Key>(.*?)</Key>", item).group(1), int(re.search(r"<Size>(\d+)</Size>", item).group(1))))
        if "<IsTruncated>true</IsTruncated>" not in body:
            return out
        token = re.search(r"<NextContinuationToken>(.*?)</NextContinuationToken>", body).group(1)
