"""Erasure erases: a request's address and name, its export, the webhook bodies that carry them and its mail in the
outbox are gone from every byte of the data directory once retention has run (the database, its WAL and shared
memory, the outbox, anything), with the real binary. Retention runs when the server starts and hourly; with
`--request-retention-days 0` a request closed before a restart is due at that start."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from serving import BIN, call, free_port, serve, stop
ADDRESS = "quenby.erasure-probe@example.org"
NAME = "Zyxwvut Quenby-Erasure"
SECRET = "a-webhook-secret-of-some-length"


class Server:
    """`assent serve` on a data directory, without SMTP (mail goes to the outbox) and with a webhook nobody
    answers (its deliveries stay stored, bodies and all)."""

    def __init__(self, data):
        self.data = data
        self.process, self.base = serve(
            data, "--log-level", "warning", "--request-retention-days", "0", "--webhook-url",
            f"http://127.0.0.1:{free_port()}/hooks", "--webhook-secret", SECRET)

    def stop(self):
        assert stop(self.process) == 0


def files_holding(root, needles):
    """Every file under `root` whose bytes hold one of `needles` (as given, lower- or upper-cased), by path."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                content = f.read()
            hits = [n for n in needles
                    if any(form.encode() in content for form in (n, n.lower(), n.upper()))]
            if hits:
                found[os.path.relpath(path, root)] = hits
    return found


def outbox_code(data):
    outbox = os.path.join(data, "outbox")
    for name in sorted(os.listdir(outbox), reverse=True):
        with open(os.path.join(outbox, name), "rb") as f:
            text = f.read().decode()
        if ADDRESS in text:
            match = re.search(r"^\s+(\d{6})\s*$", text, re.M)
            if match:
                return match.group(1)
    raise AssertionError("no code in the outbox")


@pytest.fixture
def data():
    path = tempfile.mkdtemp(prefix="assent-erasure-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_retention_leaves_no_byte_of_the_address_or_the_name_in_the_data_directory(data):
    server = Server(data)
    made = subprocess.run([BIN, "admin", "token", "create", "--label", "tests", "--data-dir", data],
                          capture_output=True, text=True, check=True)
    auth = {"Authorization": "Bearer " + made.stdout.strip()}

    status, filed = call("POST", server.base + "/v1/properties/demo/requests",
                         {"type": "access", "email": ADDRESS, "details": {"name": NAME}})
    assert status == 202, filed
    request_id, secret = filed["id"], filed["statusUrl"].rsplit("/", 1)[1]
    status, verified = call("POST", f"{server.base}/v1/requests/status/{secret}/verify", {"code": outbox_code(data)})
    assert status == 200, verified
    status, moved = call("POST", f"{server.base}/v1/admin/requests/{request_id}/status", {"status": "in_progress"}, auth)
    assert status == 200, moved
    export = json.dumps({"name": NAME, "email": ADDRESS, "decisions": ["x" * 5000]}).encode()
    status, attached = call("PUT", f"{server.base}/v1/admin/requests/{request_id}/export", headers=auth, raw=export)
    assert status == 200, attached
    status, moved = call("POST", f"{server.base}/v1/admin/requests/{request_id}/status", {"status": "completed"}, auth)
    assert status == 200, moved
    server.stop()

    # Before retention the data is there, in the database and the outbox: the search finds what it looks for.
    before = files_holding(data, [ADDRESS, NAME])
    assert any(path.startswith("outbox/") for path in before), before
    assert any(path.startswith("assent.sqlite") for path in before), before

    # The next start runs retention: the request was closed more than 0 days ago.
    server = Server(data)
    deadline = time.monotonic() + 20
    while True:
        status, shown = call("GET", f"{server.base}/v1/admin/requests/{request_id}", headers=auth)
        assert status == 200, shown
        actions = [line["action"] for line in shown["history"]]
        if "email_erased" in actions and "export_erased" in actions:
            break
        assert time.monotonic() < deadline, actions
        time.sleep(0.05)
    assert shown["email"] is None and shown["details"] == {} and shown["export"] is None
    # Retention runs before the outbox is swept; wait for the sweep too.
    deadline = time.monotonic() + 20
    while files_holding(os.path.join(data, "outbox"), [ADDRESS]):
        assert time.monotonic() < deadline, "the outbox still holds the request's mail"
        time.sleep(0.05)

    # While the server runs (database, WAL and shared memory as they are) ...
    assert files_holding(data, [ADDRESS, NAME]) == {}
    # ... and after it stopped.
    server.stop()
    assert files_holding(data, [ADDRESS, NAME]) == {}
    # The request itself and its suppression key stay, for the publisher's records.
    server = Server(data)
    status, shown = call("GET", f"{server.base}/v1/admin/requests/{request_id}", headers=auth)
    assert status == 200 and shown["status"] == "completed" and shown["emailHash"]
    server.stop()
