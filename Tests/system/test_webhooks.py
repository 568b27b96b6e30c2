"""Webhooks: every change of a privacy request is posted, signed with HMAC-SHA256, to a receiving server (a real
HTTP server in this process on a loopback port) that checks the signature; a refused call is retried with the
same delivery id after the backoff."""

import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

BIN = os.environ.get("ASSENT_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/assent"))
SECRET = "a-webhook-secret-of-some-length"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    def __init__(self, refuse_first):
        self.calls = []
        self.refuse = refuse_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((time.monotonic(), dict(self.headers), body))
                status = 503 if receiver.refuse > 0 else 204
                receiver.refuse -= 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count, timeout):
        deadline = time.monotonic() + timeout
        while len(self.calls) < count:
            assert time.monotonic() < deadline, f"{len(self.calls)} webhook calls, expected {count}"
            time.sleep(0.05)
        return self.calls


def verify(headers, body):
    parts = dict(p.split("=", 1) for p in headers["Assent-Signature"].split(","))
    expected = hmac.new(SECRET.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected), "the signature checks out with the shared secret"
    assert abs(int(parts["t"]) - time.time()) < 120


@pytest.fixture
def setup():
    receiver = Receiver(refuse_first=1)
    data = tempfile.mkdtemp(prefix="assent-webhooks-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSENT_")}
    process = subprocess.Popen(
        [BIN, "serve", "--port", str(port), "--data-dir", data, "--log-level", "error",
         "--webhook-url", f"http://127.0.0.1:{receiver.port}/hooks/assent?x=1", "--webhook-secret", SECRET], env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
    yield base, data, receiver
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    receiver.server.shutdown()
    shutil.rmtree(data, ignore_errors=True)


def test_every_change_is_posted_signed_and_retried(setup):
    base, data, receiver = setup
    body = json.dumps({"type": "opt_out_lists", "email": "hook@example.org"}).encode()
    request = urllib.request.Request(base + "/v1/properties/demo/requests", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    filed = json.loads(urllib.request.urlopen(request, timeout=10).read())

    token = subprocess.run([BIN, "admin", "token", "create", "--data-dir", data], capture_output=True, text=True,
                           check=True).stdout.strip()
    move = urllib.request.Request(f"{base}/v1/admin/requests/{filed['id']}/status",
                                  data=json.dumps({"status": "in_progress"}).encode(), method="POST",
                                  headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
    assert urllib.request.urlopen(move, timeout=10).status == 200

    # The first call is refused (503): it comes again after the 10-second backoff, with the same delivery id.
    calls = receiver.wait(3, timeout=40)
    first, second = calls[0], [c for c in calls[1:] if c[1]["Assent-Delivery"] == calls[0][1]["Assent-Delivery"]][0]
    assert second[0] - first[0] >= 9.5
    events = {}
    for _, headers, raw in calls:
        verify(headers, raw)
        event = json.loads(raw)
        assert event["id"] == headers["Assent-Delivery"]
        events[event["event"]] = event
    assert set(events) == {"request.created", "request.status"}
    assert events["request.status"]["request"]["status"] == "in_progress"
    assert events["request.created"]["request"]["email"] == "hook@example.org"
