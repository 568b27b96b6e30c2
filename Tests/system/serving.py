"""Starting and stopping the real `assent serve` for the system tests: a free loopback port, an environment without
the caller's ASSENT_* settings, and a wait for /healthz (never a fixed sleep)."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

BIN = os.environ.get("ASSENT_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/assent"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url, process, timeout=60):
    """Polls `url` until it answers; fails at once if the process has exited."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server did not start ({url})")
            time.sleep(0.05)


def serve(data, *args, port=None, **popen):
    """Starts `assent serve` on `data` and returns (process, base URL) once it answers /healthz."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSENT_")}
    process = subprocess.Popen([BIN, "serve", "--port", str(port), "--data-dir", data, *args], env=env, **popen)
    base = f"http://127.0.0.1:{port}"
    wait_up(base + "/healthz", process)
    return process, base


def stop(process):
    """SIGTERM, and the exit code once the server has drained."""
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def call(method, url, body=None, headers=None, raw=None):
    """One JSON request (`body`, or `raw` bytes as they are); the status and the JSON answer, errors included."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
