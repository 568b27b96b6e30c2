"""Hostile traffic: schemathesis generates requests from the server's own /openapi.json (valid ones, and ones that
break the schema in every way it knows) and sends them to a live server. No answer may be a 5xx, and every answer
must be one the document promises: a documented status, content type, headers and body schema; a method a path
does not have is a 405. Afterwards the server still serves and the ledger still verifies.

Bounded: ASSENT_SCHEMATHESIS_EXAMPLES examples per operation and phase (25 unless set)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN = os.environ.get("ASSENT_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/assent"))
SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
    "response_headers_conformance", "unsupported_method",
])


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base, process):
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            return
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)


def test_generated_traffic_gets_only_documented_answers():
    work = tempfile.mkdtemp(prefix="assent-schemathesis-")
    data = os.path.join(work, "data")
    token = subprocess.run([BIN, "admin", "token", "create", "--data-dir", data, "--label", "schemathesis"],
                           capture_output=True, text=True, check=True).stdout.strip()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSENT_")}
    log = open(os.path.join(work, "server.log"), "w")
    process = subprocess.Popen([BIN, "serve", "--port", str(port), "--data-dir", data, "--log-level", "warning"],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process)
        # A real subject and record, so that the read routes get past their 404s.
        body = json.dumps({"choices": {"functional": True}, "action": "save", "policyVersion": 1}).encode()
        request = urllib.request.Request(base + "/v1/properties/demo/consents", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        decision = json.loads(urllib.request.urlopen(request, timeout=10).read())
        with open(os.path.join(work, "schemathesis.toml"), "w") as config:
            config.write(f'headers = {{ Authorization = "Bearer {token}" }}\n[parameters]\nproperty = "demo"\n'
                         f'"path.subject" = "{decision["subject"]}"\n"path.record" = "{decision["id"]}"\n')
        examples = os.environ.get("ASSENT_SCHEMATHESIS_EXAMPLES", "25")
        run = subprocess.run(
            [SCHEMATHESIS, "--no-color", "run", base + "/openapi.json", "--url", base, "--max-examples", examples,
             "--checks", CHECKS],
            cwd=work, capture_output=True, text=True, timeout=900)
        summary = run.stdout[run.stdout.find("=== FAILURES") if "=== FAILURES" in run.stdout else -4000:]
        assert run.returncode == 0, summary + run.stderr[-2000:]
        assert "passed" in run.stdout and "failures" not in run.stdout.splitlines()[-1], summary

        # Still serving, nothing logged as unhandled, and the ledger (with what the run recorded) verifies.
        assert urllib.request.urlopen(base + "/healthz", timeout=5).status == 200
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
        text = open(os.path.join(work, "server.log")).read()
        assert "unhandled error" not in text, text[-3000:]
        verify = subprocess.run([BIN, "ledger", "verify", "--data-dir", data], capture_output=True, text=True)
        assert verify.returncode == 0, verify.stdout + verify.stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        shutil.rmtree(work, ignore_errors=True)
