"""What the real binary does for an operator who did nothing special: a private data directory whatever the umask,
metrics behind a token or on their own address, and the demo page under a Content-Security-Policy."""

import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import urllib.error
import urllib.request

import pytest
from serving import BIN, free_port, serve, stop

TOKEN = "metrics-token-for-tests-0123456789"


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def start():
    started = []

    def run(*args, umask=None):
        data = tempfile.mkdtemp(prefix="assent-hardening-")
        shutil.rmtree(data)  # the server makes it, as on a first start
        process, base = serve(data, "--log-level", "warning", *args,
                              preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)
        started.append((process, data))
        return base, data

    yield run
    for process, data in started:
        stop(process)
        shutil.rmtree(data, ignore_errors=True)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_the_data_directory_is_private_whatever_the_umask(start, umask):
    base, data = start(umask=umask)
    request = urllib.request.Request(
        base + "/v1/properties/demo/consents", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"action": "accept_all", "policyVersion": 1}).encode())
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    assert mode(data) == 0o700
    database = os.path.join(data, "assent.sqlite")
    for path in [database, database + "-wal", database + "-shm"]:
        assert os.path.exists(path), path
        assert mode(path) == 0o600, f"{path}: {oct(mode(path))}"
    assert mode(os.path.join(data, "signing-key.ed25519")) == 0o600


def test_an_existing_directory_is_made_private_on_start(start):
    base, data = start()
    os.chmod(data, 0o755)
    os.chmod(os.path.join(data, "assent.sqlite"), 0o644)
    # A second start on the same directory (the first still serving shares it, as a restart would).
    process, _ = serve(data, "--log-level", "warning")
    try:
        assert mode(data) == 0o700
        assert mode(os.path.join(data, "assent.sqlite")) == 0o600
    finally:
        stop(process)


def test_metrics_are_not_served_without_a_token_or_an_address(start):
    base, _ = start()
    status, _, body = get(base + "/metrics")
    assert status == 404
    assert json.loads(body)["error"]["code"] == "metrics_disabled"


def test_metrics_behind_a_token(start):
    base, _ = start("--metrics-token", TOKEN)
    assert get(base + "/healthz")[0] == 200
    status, headers, body = get(base + "/metrics")
    assert status == 401 and headers.get("WWW-Authenticate") == "Bearer"
    assert json.loads(body)["error"]["code"] == "metrics_token_required"
    assert get(base + "/metrics", {"Authorization": "Bearer " + TOKEN[:-1] + "x"})[0] == 401
    status, headers, body = get(base + "/metrics", {"Authorization": "Bearer " + TOKEN})
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert b"hb_requests" in body, "the requests made so far are counted"


def test_metrics_on_their_own_address(start):
    metrics_port = free_port()
    base, _ = start("--metrics-listen", f"127.0.0.1:{metrics_port}")
    status, _, body = get(base + "/metrics")
    assert status == 404 and json.loads(body)["error"]["code"] == "metrics_elsewhere"
    status, _, body = get(f"http://127.0.0.1:{metrics_port}/metrics")
    assert status == 200 and b"hb_requests" in body
    assert get(f"http://127.0.0.1:{metrics_port}/v1/properties/demo/config")[0] == 404, "metrics alone there"


def test_bad_metrics_options_are_refused():
    for args, message in [
        (["--metrics-token", "short"], "--metrics-token must have 16 characters or more"),
        (["--metrics-listen", "nowhere"], "is not HOST:PORT"),
        (["--metrics-listen", "127.0.0.1:70000"], "is not HOST:PORT"),
        (["--request-retention-days", "9999999999999"], "--request-retention-days must be 0 to 36500"),
    ]:
        result = subprocess.run([BIN, "serve", "--data-dir", tempfile.mkdtemp(), *args], capture_output=True,
                                text=True, timeout=60)
        assert result.returncode != 0 and message in result.stderr, (args, result.stderr)


def test_the_demo_page_runs_under_a_content_security_policy(start):
    base, _ = start()
    status, headers, body = get(base + "/demo/")
    assert status == 200
    policy = headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([A-Za-z0-9_-]+)'", policy).group(1)
    assert "frame-ancestors 'self'" in policy and "object-src 'none'" in policy and "'unsafe-inline'" not in \
        policy.split("script-src")[1].split(";")[0]
    page = body.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert len(inline) == 5, inline
    assert all(f'nonce="{nonce}"' in tag for tag in inline), "every inline script carries this answer's nonce"
    assert "onclick=" not in page, "no inline handlers, which the policy would block"
    assert get(base + "/demo/")[1]["Content-Security-Policy"] != policy, "a nonce per answer"
    status, headers, _ = get(base + "/demo/video.html")
    assert status == 200 and "frame-ancestors 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
