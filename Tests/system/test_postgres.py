"""PostgreSQL end to end: `assent serve --database-url` on a fresh database records a decision and reads it back,
two servers starting together on an empty database both come up (migrations and the demo property once), and
`assent ledger verify --database-url` checks the ledger afterwards. Needs ASSENT_TEST_DATABASE_URL, an
administrator's URL to make databases with (`scripts/test` starts a PostgreSQL of its own and sets it)."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from pg_support import ADMIN_URL, free_port, fresh_database, psql
from serving import call

BIN = os.environ.get("ASSENT_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/assent"))

pytestmark = pytest.mark.skipif(
    not ADMIN_URL, reason="ASSENT_TEST_DATABASE_URL is not set (scripts/test starts a PostgreSQL and sets it)")


def run(*args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSENT_")}
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60, env=env)


class Server:
    def __init__(self, data_dir, database_url):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSENT_")}
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [BIN, "serve", "--port", str(self.port), "--data-dir", data_dir, "--database-url", database_url,
             "--log-level", "warning"],
            env=env, stdout=subprocess.DEVNULL, stderr=self.log)

    def wait_ready(self):
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1).read()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.log.seek(0)
                    raise AssertionError("the server did not start:\n" + self.log.read().decode(errors="replace"))
                time.sleep(0.05)  # polling for readiness

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("the server did not stop on SIGTERM")
        self.log.close()


@pytest.fixture
def database():
    with fresh_database("assent_system_") as url:
        data_dir = tempfile.mkdtemp(prefix="assent-postgres-")
        servers = []
        try:
            yield url, data_dir, servers
        finally:
            for server in servers:
                server.stop()
            shutil.rmtree(data_dir, ignore_errors=True)


def test_serve_records_and_reads_back_and_the_ledger_verifies(database):
    url, data_dir, servers = database
    server = Server(data_dir, url)
    servers.append(server)
    server.wait_ready()

    status, recorded = call("POST", server.base + "/v1/properties/demo/consents",
                            {"action": "save", "choices": {"performance": True, "targeting": False},
                             "policyVersion": 1})
    assert status == 201, recorded
    status, latest = call("GET", f"{server.base}/v1/properties/demo/subjects/{recorded['subject']}")
    assert status == 200, latest
    assert latest["id"] == recorded["id"] and latest["choices"] == recorded["choices"]
    status, receipt = call("GET", f"{server.base}/v1/receipts/{recorded['id']}")
    assert status == 200, receipt
    status, checked = call("POST", server.base + "/v1/receipts/verify", receipt)
    assert status == 200 and checked["valid"], checked

    # The decision is in PostgreSQL; the data directory holds the signing key and no SQLite database.
    assert psql(url, "SELECT count(*) FROM ledger_records") == "1"
    assert psql(url, "SELECT id FROM ledger_records") == recorded["id"]
    assert not os.path.exists(os.path.join(data_dir, "assent.sqlite"))
    assert os.path.exists(os.path.join(data_dir, "signing-key.ed25519"))

    server.stop()
    servers.remove(server)
    verify = run("ledger", "verify", "--data-dir", data_dir, "--database-url", url)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "ok: 1 records" in verify.stdout, verify.stdout

    # A restarted server reads what the first one wrote.
    again = Server(data_dir, url)
    servers.append(again)
    again.wait_ready()
    status, latest = call("GET", f"{again.base}/v1/properties/demo/subjects/{recorded['subject']}")
    assert status == 200 and latest["id"] == recorded["id"], latest


def test_two_servers_starting_together_on_an_empty_database(database):
    url, data_dir, servers = database
    # Two servers, each with its own data directory (and so its own signing key), as on two machines.
    other_dir = tempfile.mkdtemp(prefix="assent-postgres-")
    try:
        first = Server(data_dir, url)
        second = Server(other_dir, url)
        servers.extend([first, second])
        first.wait_ready()
        second.wait_ready()
        assert psql(url, "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations") == \
            "1,2,3,4,5,6,7,8,9,10,11"
        assert psql(url, "SELECT count(DISTINCT id) FROM properties") == "1"
        for server in (first, second):
            status, recorded = call("POST", server.base + "/v1/properties/demo/consents",
                                    {"action": "reject_all", "policyVersion": 1})
            assert status == 201, recorded
        for server in (first, second):
            server.stop()
        servers.clear()
        # The other server's key is in the database only: not trusted until given out of band.
        alone = run("ledger", "verify", "--data-dir", data_dir, "--database-url", url)
        assert alone.returncode == 1 and "known only to the database" in alone.stdout, alone.stdout + alone.stderr
        verify = run("ledger", "verify", "--data-dir", data_dir, "--database-url", url,
                     "--trusted-keys", os.path.join(other_dir, "public-keys.json"))
        assert verify.returncode == 0 and "ok: 2 records" in verify.stdout, verify.stdout + verify.stderr
    finally:
        shutil.rmtree(other_dir, ignore_errors=True)


def within_a_second(check, what):
    """Polls `check` until it returns something true, for at most a second (from when the change was made)."""
    deadline = time.monotonic() + 1.0
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"not served within a second: {what}"
        time.sleep(0.02)  # polling for the condition, with the deadline above


LISTENERS = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() " \
            "AND application_name = 'assent changes' AND query ILIKE 'LISTEN%'"


def wait_for_listeners(url, count):
    deadline = time.monotonic() + 30
    while psql(url, LISTENERS) != str(count):
        assert time.monotonic() < deadline, "the servers' change feeds did not start listening"
        time.sleep(0.05)  # polling for the listening connections


def test_a_change_on_one_server_is_served_by_the_other_within_a_second(database):
    """Each server caches properties and latest decisions; PostgreSQL's NOTIFY tells the other of every change
    (a decision, a property imported by the command line), also after its listening connection was cut."""
    url, data_dir, servers = database
    other_dir = tempfile.mkdtemp(prefix="assent-postgres-")
    try:
        first = Server(data_dir, url)
        second = Server(other_dir, url)
        servers.extend([first, second])
        first.wait_ready()
        second.wait_ready()
        wait_for_listeners(url, 2)

        def post(server, **body):
            status, recorded = call("POST", server.base + "/v1/properties/demo/consents",
                                    {"policyVersion": 1, **body})
            assert status == 201, recorded
            return recorded

        def latest_on(server, subject, record):
            status, latest = call("GET", f"{server.base}/v1/properties/demo/subjects/{subject}")
            return status == 200 and latest["id"] == record

        recorded = post(first, action="reject_all")
        subject = recorded["subject"]
        # The second server reads it (and caches it), then the first records a newer decision for the subject.
        within_a_second(lambda: latest_on(second, subject, recorded["id"]), "the first decision")
        for _ in range(3):
            assert latest_on(second, subject, recorded["id"])
        newer = post(first, action="accept_all", subject=subject)
        within_a_second(lambda: latest_on(second, subject, newer["id"]), "the newer decision")
        # And the other way round.
        newest = post(second, action="reject_all", subject=subject)
        within_a_second(lambda: latest_on(first, subject, newest["id"]), "the second server's decision")

        # A property changed by the command line (its own connection to the database) reaches both.
        for server in (first, second):
            assert call("GET", server.base + "/v1/properties/demo/config")[0] == 200
        exported = run("property", "export", "demo", "--data-dir", data_dir, "--database-url", url)
        assert exported.returncode == 0, exported.stderr
        document = json.loads(exported.stdout)
        document["name"] = "Renamed elsewhere"
        path = os.path.join(other_dir, "demo.json")
        with open(path, "w") as f:
            json.dump(document, f)
        imported = run("property", "import", path, "--data-dir", data_dir, "--database-url", url)
        assert imported.returncode == 0, imported.stdout + imported.stderr
        for server in (first, second):
            within_a_second(
                lambda: call("GET", server.base + "/v1/properties/demo/config")[1]["name"] ==
                "Renamed elsewhere", "the imported property")

        # The listening connections are cut: each server drops what it cached and listens again.
        assert psql(url, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND application_name = 'assent changes'") == "2"
        after_cut = post(first, action="accept_all", subject=subject)
        within_a_second(lambda: latest_on(second, subject, after_cut["id"]), "the decision made while cut")
        wait_for_listeners(url, 2)
        resumed = post(first, action="reject_all", subject=subject)
        within_a_second(lambda: latest_on(second, subject, resumed["id"]), "a decision after the feed resumed")
    finally:
        shutil.rmtree(other_dir, ignore_errors=True)


def test_a_database_url_that_cannot_work_is_named_and_refused(database):
    url, data_dir, _ = database
    unreachable = urllib.parse.urlunsplit(
        urllib.parse.urlsplit(url)._replace(netloc=f"nobody@127.0.0.1:{free_port()}"))
    result = run("ledger", "verify", "--data-dir", data_dir, "--database-url", unreachable)
    assert result.returncode != 0 and "cannot connect" in result.stderr, result.stderr
    result = run("ledger", "verify", "--data-dir", data_dir, "--database-url", url)
    assert result.returncode != 0 and "no Assent schema" in result.stderr, result.stderr
    result = run("serve", "--data-dir", data_dir, "--database-url", "postgres://u@h/d?sslmode=sometimes")
    assert result.returncode == 64 and "sslmode" in result.stderr, result.stderr
