"""Crash safety: under a write load the server is killed with SIGKILL and restarted; every decision it had
acknowledged (201) must still be there, with a receipt that verifies, and `assent ledger verify` must pass."""

import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

BIN = os.environ.get("ASSENT_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/assent"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(data_dir, port):
    proc = subprocess.Popen(
        [BIN, "serve", "--data-dir", data_dir, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.05)  # polling for readiness, not waiting in place of a condition
    proc.kill()
    raise RuntimeError("server did not become ready")


def writer(port, acked, stop, lock):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    body = json.dumps({"action": "save", "choices": {"performance": True, "targeting": False}, "policyVersion": 1})
    while not stop.is_set():
        try:
            conn.request("POST", "/v1/properties/demo/consents", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status == 201:
                record = json.loads(data)
                with lock:
                    acked.append(record["id"])
        except (OSError, http.client.HTTPException, ValueError):
            # The server died under us: whatever was not answered with 201 was never acknowledged.
            return


def get_json(port, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    if body is None:
        conn.request("GET", path)
    else:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    return resp.status, json.loads(resp.read() or b"null")



def test_sigkill_under_write_load_loses_nothing_acknowledged():
    data_dir = tempfile.mkdtemp(prefix="assent-crash-")
    all_acked = []
    for cycle in range(3):
        port = free_port()
        proc = start(data_dir, port)
        acked, lock, stop = [], threading.Lock(), threading.Event()
        threads = [threading.Thread(target=writer, args=(port, acked, stop, lock)) for _ in range(16)]
        for t in threads:
            t.start()
        # Kill once a good number of decisions have been acknowledged, while writes are still in flight.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with lock:
                if len(acked) >= 300 * (cycle + 1):
                    break
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in threads:
            t.join(timeout=10)
        assert len(acked) >= 300, f"cycle {cycle}: only {len(acked)} decisions acknowledged before the kill"
        all_acked += acked

    verify = subprocess.run([BIN, "ledger", "verify", "--data-dir", data_dir], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "ok:" in verify.stdout

    port = free_port()
    proc = start(data_dir, port)
    try:
        missing = []
        for record_id in all_acked:
            status, _ = get_json(port, f"/v1/receipts/{record_id}")
            if status != 200:
                missing.append(record_id)
        assert not missing, f"{len(missing)} of {len(all_acked)} acknowledged decisions lost, e.g. {missing[:3]}"
        # Spot-check that receipts issued after the restart verify against the published key.
        for record_id in all_acked[:: max(1, len(all_acked) // 20)]:
            status, receipt = get_json(port, f"/v1/receipts/{record_id}")
            status, result = get_json(port, "/v1/receipts/verify", receipt)
            assert status == 200 and result["valid"], result
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def test_sigterm_under_write_load_finishes_in_flight_requests():
    data_dir = tempfile.mkdtemp(prefix="assent-term-")
    port = free_port()
    proc = start(data_dir, port)
    acked, lock, stop = [], threading.Lock(), threading.Event()
    threads = [threading.Thread(target=writer, args=(port, acked, stop, lock)) for _ in range(16)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with lock:
            if len(acked) >= 200:
                break
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, "a graceful shutdown exits 0"
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert len(acked) >= 200

    port = free_port()
    proc = start(data_dir, port)
    try:
        missing = [i for i in acked if get_json(port, f"/v1/receipts/{i}")[0] != 200]
        assert not missing, f"{len(missing)} of {len(acked)} acknowledged decisions lost"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    verify = subprocess.run([BIN, "ledger", "verify", "--data-dir", data_dir], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr
