"""Privacy requests end to end: `assent serve` hands its mail to a real SMTP server (aiosmtpd on a loopback
port); the test reads the one-time code from the received message, verifies the requester through the HTTP API,
and works the request as the publisher with a token made by `assent admin token create`."""

import email
import email.policy
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest
from aiosmtpd.controller import Controller
from serving import call

BIN = os.environ.get("ASSENT_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/assent"))
WAIT = 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def wait_for(self, address, count):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            found = [m for m in self.messages if m["To"] == address]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no message {count} to {address}; got {[m['To'] for m in self.messages]}")


@pytest.fixture
def server():
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    data = tempfile.mkdtemp(prefix="assent-requests-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSENT_")}
    process = subprocess.Popen(
        [BIN, "serve", "--port", str(port), "--data-dir", data, "--log-level", "warning",
         "--smtp-url", f"smtp://127.0.0.1:{smtp_port}?starttls=off&from=privacy@assent.test",
         "--public-url", "https://consent.example"],
        env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the server did not start")
            time.sleep(0.05)
    yield base, data, inbox
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    controller.stop()
    shutil.rmtree(data, ignore_errors=True)


def text(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def test_access_request_verified_by_the_mailed_code_and_completed_by_the_publisher(server):
    base, data, inbox = server
    status, filed = call("POST", base + "/v1/properties/demo/requests",
                         {"type": "access", "email": "Reader@Example.org", "details": {"name": "Rea Der"}})
    assert status == 202, filed
    assert filed["statusUrl"].startswith("https://consent.example/privacy/demo/status/")
    secret = filed["statusUrl"].rsplit("/", 1)[1]

    (mail,) = inbox.wait_for("reader@example.org", 1)
    assert mail["From"] == "privacy@assent.test"
    assert filed["statusUrl"] in text(mail).replace("=\n", "")
    code = re.search(r"^\s+(\d{6})\s*$", text(mail), re.M).group(1)

    status, answer = call("POST", f"{base}/v1/requests/status/{secret}/verify", {"code": "000000" if code != "000000" else "111111"})
    assert status == 422 and answer["error"]["code"] == "wrong_code"
    status, answer = call("POST", f"{base}/v1/requests/status/{secret}/verify", {"code": code})
    assert status == 200 and answer["status"] == "verified"

    made = subprocess.run([BIN, "admin", "token", "create", "--label", "tests", "--data-dir", data],
                          capture_output=True, text=True, check=True)
    token = made.stdout.strip()
    assert token.startswith("asnt_") and token not in made.stderr
    auth = {"Authorization": "Bearer " + token}
    status, queue = call("GET", base + "/v1/admin/properties/demo/requests?status=verified", headers=auth)
    assert status == 200 and [r["id"] for r in queue["requests"]] == [filed["id"]]
    for step in ("in_progress", "completed"):
        status, moved = call("POST", f"{base}/v1/admin/requests/{filed['id']}/status", {"status": step}, auth)
        assert status == 200, moved
    done = inbox.wait_for("reader@example.org", 2)[-1]
    assert "complete" in text(done)

    listed = subprocess.run([BIN, "admin", "token", "list", "--data-dir", data], capture_output=True, text=True, check=True)
    token_id = listed.stdout.split("\t")[0]
    subprocess.run([BIN, "admin", "token", "revoke", token_id, "--data-dir", data], check=True, capture_output=True)
    status, answer = call("GET", base + "/v1/admin/properties/demo/requests", headers=auth)
    assert status == 401, "a revoked token stops working at once"


def test_known_and_unknown_addresses_get_the_same_answer_and_mail(server):
    base, data, inbox = server
    answers = []
    for address in ("same@example.org", "same@example.org", "other@example.org"):
        status, body = call("POST", base + "/v1/properties/demo/requests",
                            {"type": "delete", "email": address, "details": {"name": "X"}})
        answers.append((status, sorted(body)))
    assert answers[0] == answers[1] == answers[2]
    first, second = inbox.wait_for("same@example.org", 2)
    assert text(first).split("\n")[0] == text(second).split("\n")[0]
    assert len(inbox.wait_for("other@example.org", 1)) == 1


def test_admin_token_options_are_checked():
    bad = subprocess.run([BIN, "admin", "token", "create", "--scope", "suppression", "--data-dir", tempfile.mkdtemp()],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "--property" in bad.stderr
