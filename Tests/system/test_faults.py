"""Fault tests: two `assent serve` processes on one PostgreSQL under a write load, then a fault.

(a) SIGKILL one server mid-load: the other keeps serving, no acknowledged record is lost, the ledger verifies.
(b) Stop PostgreSQL mid-load and start it again: clients get 503 with Retry-After quickly rather than hangs,
    /readyz is 503 while it is away and 200 after, the servers reconnect by themselves, no acknowledged record is
    lost, the ledger verifies.

Loopback only, each scenario bounded (well under a minute). Needs ASSENT_TEST_DATABASE_URL, an administrator's
URL (scripts/test starts a PostgreSQL and sets it); (b) starts and restarts a throwaway PostgreSQL of its own with
scripts/lib/postgres.sh, so the shared one is never restarted. `scripts/faults` runs just these; with `-s` every
scenario prints what it saw (requests acknowledged, 503s, longest request, reconnect time)."""

import collections
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse

import pytest
from pg_support import ADMIN_URL, free_port, fresh_database, psql

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
BIN = os.environ.get("ASSENT_BIN", os.path.join(ROOT, ".build/debug/assent"))
POSTGRES_LIB = os.path.join(ROOT, "scripts/lib/postgres.sh")

pytestmark = pytest.mark.skipif(
    not ADMIN_URL, reason="ASSENT_TEST_DATABASE_URL is not set (scripts/test and scripts/faults start a PostgreSQL)")

SHARDS = 4
CLIENTS = 8
# No request may take longer than this, whatever happens to PostgreSQL (the store probes PostgreSQL when a call
# has waited 2 s for a connection, and answers 503 at once while it cannot be reached).
REQUEST_BOUND = 10.0
# How long PostgreSQL stays away in (b): longer than the store's 2 s lease timeout.
OUTAGE = 3.0


# --- helpers ---------------------------------------------------------------------------------------------------


def request(port, method, path, body=None, timeout=30):
    """One HTTP request on a fresh connection: (status, headers, decoded JSON or None)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = None
        return response.status, response.headers, decoded
    finally:
        connection.close()


def wait_until(what, condition, timeout):
    """Polls `condition` until it returns something truthy; fails naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)  # polling interval


def run_assent(*args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSENT_")}
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120, env=env)


def publisher_root():
    """A publisher root key, as docs/ledger-trust.md has several servers do it: each server's key is certified by
    it, and every server and verifier pins its public part alone. Returns (private key path, public JWKS path)."""
    folder = tempfile.mkdtemp(prefix="assent-faults-root-")
    private = os.path.join(folder, "root.ed25519")
    created = run_assent("key", "root", "create", "--out", private)
    assert created.returncode == 0, created.stdout + created.stderr
    return private, os.path.join(folder, "root.jwks.json")


ROOT_KEY = None


def root_key():
    global ROOT_KEY
    if ROOT_KEY is None:
        ROOT_KEY = publisher_root()
    return ROOT_KEY


class Server:
    def __init__(self, name, database_url):
        self.name = name
        self.port = free_port()
        self.data_dir = tempfile.mkdtemp(prefix=f"assent-faults-{name}-")
        private, public = root_key()
        certified = run_assent("key", "certify", "--root", private, "--data-dir", self.data_dir)
        assert certified.returncode == 0, certified.stdout + certified.stderr
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSENT_")}
        self.log = tempfile.NamedTemporaryFile(prefix=f"assent-faults-{name}-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [BIN, "serve", "--port", str(self.port), "--data-dir", self.data_dir, "--database-url", database_url,
             "--ledger-shards", str(SHARDS), "--log-level", "notice", "--root-key", public],
            env=env, stdout=subprocess.DEVNULL, stderr=self.log)

    def ready(self):
        if self.process.poll() is not None:
            raise AssertionError(f"server {self.name} exited:\n{self.log_text()}")
        try:
            return request(self.port, "GET", "/readyz", timeout=5)[0] == 200
        except OSError:
            return False

    def readiness(self):
        return request(self.port, "GET", "/readyz", timeout=REQUEST_BOUND)[0]

    def log_text(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()[-4000:]

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"server {self.name} did not stop on SIGTERM")

    def clean_up(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()
        os.unlink(self.log.name)
        shutil.rmtree(self.data_dir, ignore_errors=True)


class Outcome:
    __slots__ = ("server", "started", "duration", "status", "retry_after", "id")

    def __init__(self, server, started, duration, status, retry_after, record_id):
        self.server, self.started, self.duration = server, started, duration
        self.status, self.retry_after, self.id = status, retry_after, record_id


class Load:
    """CLIENTS threads posting consents to the targets in turn, recording every outcome (status "refused" for a
    connection that could not be made, "broken" for one cut mid-request, "timeout" for one that took longer than
    30 s)."""

    def __init__(self, targets):
        self.targets = list(targets)
        self.outcomes = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(CLIENTS)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in self.threads), "a load client hangs"

    def client(self, number):
        turn = number
        while not self.stopping.is_set():
            targets = self.targets
            server = targets[turn % len(targets)]
            turn += 1
            action = "accept_all" if turn % 2 else "reject_all"
            started = time.monotonic()
            status, retry_after, record_id = None, None, None
            try:
                status, headers, body = request(
                    server.port, "POST", "/v1/properties/demo/consents", {"action": action, "policyVersion": 1})
                retry_after = headers.get("Retry-After")
                if status == 201:
                    record_id = body["id"]
            except ConnectionRefusedError:
                status = "refused"
            except (TimeoutError, socket.timeout):
                status = "timeout"
            except (ConnectionError, http.client.HTTPException):
                status = "broken"  # the server went away mid-request
            except Exception as error:  # anything else is recorded, and fails the scenario's checks
                status = f"error: {error!r}"
            outcome = Outcome(server.name, started, time.monotonic() - started, status, retry_after, record_id)
            with self.lock:
                self.outcomes.append(outcome)

    def snapshot(self):
        with self.lock:
            return list(self.outcomes)

    def acknowledged(self, server=None, after=0.0):
        return sum(1 for o in self.snapshot()
                   if o.status == 201 and (server is None or o.server == server) and o.started >= after)

    def wait_for_writes(self, what, server=None, after=0.0, count=1, timeout=30):
        return wait_until(what, lambda: self.acknowledged(server, after) >= count, timeout)


def check_acknowledged(outcomes, database_url, reader, figures):
    """Every record answered 201 is in the database and its receipt, fetched from `reader`, verifies."""
    ids = [o.id for o in outcomes if o.status == 201]
    assert len(ids) == len(set(ids)), "a record id was answered twice"
    stored = set(psql(database_url, "SELECT id FROM ledger_records").split())
    lost = [i for i in ids if i not in stored]
    assert not lost, f"{len(lost)} acknowledged records are missing, e.g. {lost[:5]}; {figures}"

    failures = []
    lock = threading.Lock()
    pending = collections.deque(ids)

    def check():
        while True:
            with lock:
                if not pending:
                    return
                record_id = pending.popleft()
            status, _, receipt = request(reader.port, "GET", f"/v1/receipts/{record_id}")
            problem = None
            if status != 200:
                problem = f"GET receipt: {status}"
            else:
                status, _, checked = request(reader.port, "POST", "/v1/receipts/verify", receipt)
                if status != 200 or not (checked or {}).get("valid"):
                    problem = f"verify: {status} {checked}"
            if problem:
                with lock:
                    failures.append((record_id, problem))

    threads = [threading.Thread(target=check) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, f"{len(failures)} receipts do not verify, e.g. {failures[:3]}; {figures}"
    return len(ids)


def verify_ledger(data_dir, database_url, acknowledged):
    result = run_assent("ledger", "verify", "--data-dir", data_dir, "--database-url", database_url, "--root-key",
                        root_key()[1])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok:" in result.stdout, result.stdout
    records = int(result.stdout.split("ok:")[1].split()[0])
    assert records >= acknowledged, f"the ledger holds {records} records, {acknowledged} were acknowledged"
    return result.stdout.strip().splitlines()[-1]


def report(name, figures):
    print(f"\n[{name}] " + ", ".join(f"{k}: {v}" for k, v in figures.items()))


def summary(outcomes):
    statuses = collections.Counter(str(o.status) for o in outcomes)
    longest = max((o.duration for o in outcomes), default=0.0)
    return statuses, longest


# --- fixtures --------------------------------------------------------------------------------------------------


@pytest.fixture
def database():
    """A fresh database on the shared PostgreSQL."""
    with fresh_database("assent_faults_") as url:
        yield url


class OwnPostgres:
    """A throwaway PostgreSQL started by scripts/lib/postgres.sh, which this test may stop and start again."""

    def __init__(self):
        out = self.shell('pg_start >&2 && printf "%s\\n%s\\n" "$PG_DIR" "$PG_URL"')
        self.dir, self.url = out.split("\n")[:2]
        self.port = urllib.parse.urlsplit(self.url).port

    @staticmethod
    def shell(script, *args):
        result = subprocess.run(["bash", "-c", f'source "{POSTGRES_LIB}" && {script}', "faults", *args],
                                capture_output=True, text=True, timeout=90)
        if result.returncode != 0:
            raise AssertionError(f"PostgreSQL control failed ({script}):\n{result.stdout}{result.stderr}")
        return result.stdout

    def pg_ctl(self, *args):
        self.shell('pg_as_owner "$(pg_bin_dir)/pg_ctl" -D "$1/data" "${@:2}" >/dev/null', self.dir, *args)

    def stop(self):
        self.pg_ctl("-m", "fast", "-w", "-t", "30", "stop")

    def start(self):
        # The options scripts/lib/postgres.sh starts it with (pg_ctl start does not remember them).
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.dir} "
                   "-c max_connections=300")
        self.pg_ctl("-l", f"{self.dir}/server.log", "-w", "-t", "30", "-o", options, "start")

    def destroy(self):
        self.shell('PG_DIR="$1" && pg_stop', self.dir)


@pytest.fixture
def own_postgres():
    postgres = OwnPostgres()
    try:
        yield postgres
    finally:
        postgres.destroy()


@pytest.fixture
def servers():
    started = []
    try:
        yield started
    finally:
        for server in started:
            server.clean_up()


# --- scenarios -------------------------------------------------------------------------------------------------


def test_sigkill_one_server_mid_load(database, servers):
    first, second = Server("a", database), Server("b", database)
    servers.extend([first, second])
    # Two servers, each with its own data directory (and signing key), as on two machines.
    wait_until("server a to be ready", first.ready, 60)
    wait_until("server b to be ready", second.ready, 60)

    with Load([first, second]) as load:
        load.wait_for_writes("writes through server a", server="a", count=200)
        load.wait_for_writes("writes through server b", server="b", count=200)
        first.kill()
        killed_at = time.monotonic()
        load.targets = [second]  # as a load balancer would, once its health check fails
        load.wait_for_writes("writes through server b after the kill", server="b", after=killed_at, count=500)
    outcomes = load.snapshot()

    statuses, longest = summary(outcomes)
    after = [o for o in outcomes if o.server == "b" and o.started >= killed_at]
    figures = {
        "acknowledged": statuses["201"], "through a": load.acknowledged("a"), "through b": load.acknowledged("b"),
        "through b after the kill": sum(1 for o in after if o.status == 201), "statuses": dict(statuses),
        "longest request": f"{longest:.3f} s",
    }
    # Only requests to the killed server may fail (those in flight when it died).
    assert all(o.status == 201 for o in outcomes if o.server == "b"), f"server b failed requests; {figures}"
    assert longest < REQUEST_BOUND, f"a request took {longest:.1f} s; {figures}"

    checked = check_acknowledged(outcomes, database, second, figures)
    second.stop()
    figures["ledger"] = verify_ledger(second.data_dir, database, checked)
    report("SIGKILL one server", figures)


def test_postgres_restart_mid_load(own_postgres, servers):
    database_url = own_postgres.url
    first, second = Server("a", database_url), Server("b", database_url)
    servers.extend([first, second])
    wait_until("server a to be ready", first.ready, 60)
    wait_until("server b to be ready", second.ready, 60)

    with Load([first, second]) as load:
        load.wait_for_writes("writes through server a", server="a", count=200)
        load.wait_for_writes("writes through server b", server="b", count=200)

        own_postgres.stop()
        stopped_at = time.monotonic()
        # While PostgreSQL is away, both servers say they are not ready, and clients are told to come back.
        readiness_during = {}
        for server in (first, second):
            readiness_during[server.name] = wait_until(
                f"/readyz of server {server.name} to fail", lambda s=server: s.readiness() == 503 and 503, 30)
        wait_until("503s through both servers",
                   lambda: {o.server for o in load.snapshot() if o.status == 503 and o.started >= stopped_at}
                   == {"a", "b"}, 30)
        # The outage lasts OUTAGE seconds, and readiness fails throughout.
        while time.monotonic() - stopped_at < OUTAGE:
            for server in (first, second):
                status = server.readiness()
                assert status == 503, f"/readyz of server {server.name} answered {status} with PostgreSQL away"
            time.sleep(0.05)  # polling interval
        own_postgres.start()
        back_at = time.monotonic()

        # The servers find PostgreSQL again by themselves.
        load.wait_for_writes("writes through server a after the restart", server="a", after=back_at, timeout=30)
        load.wait_for_writes("writes through server b after the restart", server="b", after=back_at, timeout=30)
        reconnected = time.monotonic() - back_at
        for server in (first, second):
            wait_until(f"/readyz of server {server.name} to pass again", server.ready, 30)
        recovered_at = time.monotonic()
        load.wait_for_writes("writes after the recovery", after=recovered_at, count=200)
    outcomes = load.snapshot()

    statuses, longest = summary(outcomes)
    unavailable = [o for o in outcomes if o.status == 503]
    during = [o for o in outcomes if stopped_at <= o.started < back_at]
    figures = {
        "acknowledged": statuses["201"], "503s": len(unavailable), "statuses": dict(statuses),
        "longest request": f"{longest:.3f} s",
        "longest request during the outage": f"{max((o.duration for o in during), default=0):.3f} s",
        "outage": f"{back_at - stopped_at:.1f} s", "reconnected after": f"{reconnected:.2f} s",
        "ready again after": f"{recovered_at - back_at:.2f} s",
        "acknowledged after the restart": sum(1 for o in outcomes if o.status == 201 and o.started >= back_at),
    }
    assert longest < REQUEST_BOUND, f"a request took {longest:.1f} s; {figures}"
    assert unavailable, f"no 503 while PostgreSQL was away; {figures}"
    assert all(o.retry_after for o in unavailable), f"a 503 without Retry-After; {figures}"
    assert set(statuses) <= {"201", "503"}, f"answers other than 201 and 503; {figures}"
    assert readiness_during == {"a": 503, "b": 503}, figures

    checked = check_acknowledged(outcomes, database_url, first, figures)
    for server in (first, second):
        server.stop()
    figures["ledger"] = verify_ledger(first.data_dir, database_url, checked)
    report("PostgreSQL restart", figures)
