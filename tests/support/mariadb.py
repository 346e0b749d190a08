"""A throw-away MariaDB server on 127.0.0.1 with a temporary data directory
(packages from scripts/setup-deps), for the MariaDB test pass and for fault
tests that stop and restart the database under a running hopsd."""
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time


class MariaDB:
    def __init__(self, base=None):
        self.base = pathlib.Path(base or tempfile.mkdtemp(prefix="hops-mariadb-"))
        self.datadir = self.base / "data"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = None
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={self.datadir}", "--user=root",
                        "--auth-root-authentication-method=normal"], check=True, capture_output=True)

    @property
    def url(self):
        """The store URL without a database (hopsd adds /DATABASE)."""
        return f"mysql://root@127.0.0.1:{self.port}"

    def start(self, timeout=60):
        log = open(self.base / "mariadb.log", "ab")
        self.proc = subprocess.Popen(
            ["mariadbd", "--no-defaults", f"--datadir={self.datadir}", f"--socket={self.base}/sock",
             f"--port={self.port}", "--bind-address=127.0.0.1", "--user=root", "--skip-log-bin",
             "--innodb-buffer-pool-size=256M", "--innodb-flush-log-at-trx-commit=2", "--max-connections=2000"],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if subprocess.run(["mariadb", "--no-defaults", "-uroot", "-h127.0.0.1", f"-P{self.port}", "-e", "select 1"],
                              capture_output=True).returncode == 0:
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("MariaDB did not start: " + (self.base / "mariadb.log").read_text(errors="replace")[-2000:])

    def stop(self, timeout=60):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def _free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class Galera:
    """A three-node MariaDB Galera cluster on loopback, every node run as the
    `mysql` user (rsync state transfer), the first one bootstrapping."""

    def __init__(self, nodes=3):
        # Not under pytest's temporary directories: those are private to root,
        # and the nodes run as `mysql`.
        self.base = pathlib.Path(tempfile.mkdtemp(prefix="hops-galera-"))
        shutil.chown(self.base, "mysql", "mysql")
        self.base.chmod(0o755)
        ports = _free_ports(4 * nodes)
        self.nodes = [{"port": ports[4 * i], "gport": ports[4 * i + 1], "iport": ports[4 * i + 2],
                       "sport": ports[4 * i + 3], "dir": self.base / f"n{i}", "proc": None} for i in range(nodes)]
        for n in self.nodes:
            n["dir"].mkdir()
            shutil.chown(n["dir"], "mysql", "mysql")
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={self.nodes[0]['dir'] / 'data'}",
                        "--user=mysql", "--auth-root-authentication-method=normal"], check=True, capture_output=True)
        for n in self.nodes[1:]:
            (n["dir"] / "data").mkdir()
            shutil.chown(n["dir"] / "data", "mysql", "mysql")

    @property
    def url(self):
        return "mysql://root@" + ",".join(f"127.0.0.1:{n['port']}" for n in self.nodes)

    def start_node(self, i, bootstrap=False, timeout=90):
        n = self.nodes[i]
        gcomm = ",".join(f"127.0.0.1:{m['gport']}" for m in self.nodes)
        args = ["mariadbd", "--no-defaults", f"--datadir={n['dir'] / 'data'}", f"--socket={n['dir']}/sock",
                f"--port={n['port']}", "--bind-address=127.0.0.1", "--user=mysql", "--skip-log-bin",
                "--innodb-buffer-pool-size=128M", "--innodb-flush-log-at-trx-commit=2",
                "--wsrep-on=ON", "--wsrep-provider=/usr/lib/galera/libgalera_smm.so",
                f"--wsrep-cluster-address=gcomm://{gcomm}", f"--wsrep-node-address=127.0.0.1:{n['gport']}",
                f"--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{n['gport']};"
                f"ist.recv_addr=127.0.0.1:{n['iport']}",
                f"--wsrep-sst-receive-address=127.0.0.1:{n['sport']}", "--binlog-format=ROW",
                "--innodb-autoinc-lock-mode=2", "--wsrep-sst-method=rsync", "--wsrep-cluster-name=hops"]
        if bootstrap:
            args.append("--wsrep-new-cluster")
        n["proc"] = subprocess.Popen(args, stdout=open(n["dir"] / "log", "ab"), stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = subprocess.run(["mariadb", "--no-defaults", "-uroot", "-h127.0.0.1", f"-P{n['port']}", "-N", "-B", "-e",
                                "show status like 'wsrep_ready'"], capture_output=True, text=True)
            if r.returncode == 0 and "ON" in r.stdout:
                return
            if n["proc"].poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"Galera node {i} did not start: " + (n["dir"] / "log").read_text(errors="replace")[-2000:])

    def start(self):
        for i in range(len(self.nodes)):
            self.start_node(i, bootstrap=(i == 0))
        return self

    def cluster_size(self, i):
        r = subprocess.run(["mariadb", "--no-defaults", "-uroot", "-h127.0.0.1", f"-P{self.nodes[i]['port']}", "-N",
                            "-B", "-e", "show status like 'wsrep_cluster_size'"], capture_output=True, text=True)
        return int(r.stdout.split()[-1]) if r.returncode == 0 else 0

    def stop_node(self, i, timeout=60):
        p = self.nodes[i]["proc"]
        if p and p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def cleanup(self):
        for i in reversed(range(len(self.nodes))):
            self.stop_node(i)
        shutil.rmtree(self.base, ignore_errors=True)
