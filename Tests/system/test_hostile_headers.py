"""No header value stops the server (issue 13): the real debug binary gets a corpus of hostile values of every
header it reads (and some it does not), on every route of /openapi.json and the requester's pages, with valid
path parameters for the demo property. Every answer must be below 500, and the process must still be up and
answering at the end. Requests are written on raw sockets, so that control bytes, non-UTF-8 bytes and odd
framing reach the server as they are."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

from serving import BIN, free_port, serve, stop
TIMEOUT = 10


LONG = b"a" * 16_000
# (header name, value) pairs: what crashed the server once, its neighbours, and the usual suspects of every
# header the server reads.
CORPUS = [
    *[(b"Accept-Language", v) for v in [
        b";", b"-", b",;", b",", b";;", b"--", b"-;q=1", b"*", b"*;q=0", b"en;q=", b"en;q=abc", b"en;q=1e9",
        b"en;q=-1", b"en;q=0.0000001", b"es-MX;q=0.9, en;q=0.8", b"\xff\xfe", b"es\x00", b"e\xcc\x81s",
        b"a-" * 4000 + b"b", b"es;q=0.5," * 2000, b"x" * 9 + b"-" + b"y" * 9, b" ", b"_", b"es_", b"=;=,=",
    ]],
    *[(b"Cookie", v) for v in [
        b";", b"=", b";;=;", b"assent_csrf=", b"assent_csrf=" + b"A" * 43, b"assent_demo=", b"assent_demo=%",
        b"assent_demo=%7B", b"assent_demo=%7B%22s%22%3A1%7D", b"assent_demo=%7B%22s%22%3A%22x%22%2C%22c%22%3A1%7D",
        b"assent_demo=%FF%FE", b"assent_demo=" + b"%7B" * 3000, b"assent_demo=\xff", b"a=b; assent_csrf",
        b"assent_demo=%7B%22s%22%3A%228e2d6b0e-6d3f-4c9a-9a4e-0f6c2b1d7e55%22%2C%22c%22%3A%5B%5D%7D",
    ]],
    *[(b"Content-Type", v) for v in [
        b";", b"", b"application/json;", b";application/json", b"APPLICATION/JSON; CHARSET=\xff",
        b"application/x-www-form-urlencoded; charset", b"multipart/form-data; boundary=", b"\x01", b"*/*",
    ]],
    *[(b"X-Assent-Region", v) for v in [
        b"", b"-", b"US-", b"-CA", b"US-CA-X", b"\xc3\x9f\xc3\x9f", b"u\x00", b"ZZ-999", b"us-ca", b"1A", b"US--",
    ]],
    *[(b"X-Forwarded-For", v) for v in [
        b"", b",", b", ,", b"1.2.3.4,", b",1.2.3.4", b"::1, ", b"\xff", b"unknown", b"1.2.3.4, " * 1000,
    ]],
    *[(b"Sec-GPC", v) for v in [b"", b"1 ", b"\x001", b"11", b"-1"]],
    *[(b"If-None-Match", v) for v in [b"", b"*", b",", b"W/", b'W/"', b'"', b"W/W/W/", b'"x", ,W/""', b"\xff"]],
    *[(b"Assent-Identity", v) for v in [
        b"", b".", b"..", b"a.b", b"a.", b".a", b"A" * 5000 + b".B", b"eyJ9.AAAA", b"e30.AAAA", b"\xff.\xff",
        b"eyJpc3MiOiIiLCJzdWIiOiIiLCJleHAiOjk5OTk5OTk5OTk5OTk5OTk5OTl9.AA",
    ]],
    *[(b"Origin", v) for v in [b"", b"null", b"http://", b"http://127.0.0.1:1", b"\xff", b"http://localhost:8080"]],
    *[(b"Authorization", v) for v in [b"", b"Bearer", b"Bearer ", b"Bearer \xff", b"Basic Og==", b"bearer asnt_"]],
    *[(b"Accept-Encoding", v) for v in [b";", b"gzip;q=", b"gzip;q=nan", b"*;q=-0", b"gzip;q=1e400"]],
    *[(b"Referer", v) for v in [b"", b"\xff", b"http://[::1"]],
    *[(b"Host", v) for v in [b"", b":", b"[::1", b"a:99999999999", b"\xff"]],
    *[(b"X-Forwarded-Proto", v) for v in [b"", b"https,http", b"\xff"]],
    (b"X-Long", LONG),
    (b"Accept-Language", b"\x7f\x01\x02\x1b[31m"),
]
# Framing: what reaches the body reader. The declared length never exceeds what is sent (the server would
# rightly wait for the rest).
FRAMING = [
    ("content-length-negative", b"Content-Length: -1"),
    ("content-length-text", b"Content-Length: abc"),
    ("content-length-huge", b"Content-Length: 99999999999999999999999999"),
    ("content-length-list", b"Content-Length: 2, 2"),
    ("content-length-zero-with-body", b"Content-Length: 0"),
    ("content-length-twice", b"Content-Length: 2\r\nContent-Length: 3"),
    ("chunked-and-length", b"Transfer-Encoding: chunked\r\nContent-Length: 2"),
    ("chunked-bad", b"Transfer-Encoding: chunked"),
]


@pytest.fixture(scope="module")
def server():
    data = tempfile.mkdtemp(prefix="assent-hostile-")
    log = open(os.path.join(data, "server.log"), "wb")
    port = free_port()
    process, _ = serve(data, "--log-level", "error", "--client-header", "X-Forwarded-For", port=port, stdout=log,
                       stderr=subprocess.STDOUT)
    yield port, data, process
    stop(process)
    log.close()
    shutil.rmtree(data, ignore_errors=True)


def call(port, method, path, body=None, headers=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def raw(port, method, path, headers, body=b"", framing=None):
    """Sends one request as bytes; the status code, or None when the server closed without answering."""
    lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: 127.0.0.1"]
    names = {name.lower() for name, _ in headers}
    for name, value in headers:
        lines.append(name + b": " + value)
    if framing is not None:
        lines.append(framing)
    elif b"content-length" not in names:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    lines.append(b"Connection: close")
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        s.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        answer = b""
        while b"\r\n" not in answer:
            try:
                chunk = s.recv(4096)
            except ConnectionResetError:
                return None
            if not chunk:
                break
            answer += chunk
    if not answer:
        return None
    return int(answer.split(b" ", 2)[1])


def routes(port, data):
    """Every route of /openapi.json and the pages, with real path parameters of the demo property."""
    status, filed = call(port, "POST", "/v1/properties/demo/requests", {"type": "access", "email": "h@example.com", "details": {"name": "H"}})
    assert status == 202, filed
    secret = filed["statusUrl"].rsplit("/", 1)[1]
    status, decision = call(port, "POST", "/v1/properties/demo/consents", {"action": "accept_all", "policyVersion": 1})
    assert status == 201, decision
    made = subprocess.run([BIN, "admin", "token", "create", "--label", "hostile", "--data-dir", data],
                          capture_output=True, text=True, check=True)
    token = made.stdout.strip()
    values = {
        "property": "demo", "subject": decision["subject"], "record": decision.get("recordId") or decision.get("id") or "x",
        "secret": secret, "id": filed["id"], "hash": "0" * 64, "file": "index.html", "scan": "no-such-scan",
        "section": "texts", "draft": "no-such-draft", "gpc": "none", "revision": "1", "token": "no-such-token",
    }
    status, spec = call(port, "GET", "/openapi.json")
    assert status == 200
    queries = {
        "/v1/ledger/proofs/consistency": "?log=0&from=1&to=1", "/v1/ledger/heads/latest": "?log=0",
        "/v1/admin/properties/{property}/export": "?email=h@example.com",
    }
    bodies = {
        "/v1/properties/{property}/consents": b'{"action":"accept_all","policyVersion":1}',
        "/v1/properties/{property}/requests": b'{"type":"opt_out_sale_sharing","email":"h@example.com"}',
        "/v1/requests/status/{secret}/verify": b'{"code":"123456"}',
        "/v1/receipts/verify": b"{}",
        "/v1/signals/decode": b'{"string":"1YNN"}',
        "/v1/admin/requests/{id}/status": b'{"status":"in_progress"}',
        "/v1/admin/requests/{id}/extend": b'{"reason":"more time"}',
        "/v1/admin/requests/{id}/export": b'{"data":1}',
        "/v1/properties/{property}/suppression": b'{"hashes":[]}',
    }
    found = []
    for template, operations in spec["paths"].items():
        path = template
        for name, value in values.items():
            path = path.replace("{" + name + "}", str(value))
        assert "{" not in path, template
        path += queries.get(template, "")
        for method in operations:
            if method not in ("get", "post", "put", "options"):
                continue
            body = bodies.get(template, b"")
            if template.startswith("/privacy/") and method == "post":
                body = b"csrf=x&type=access&email=h%40example.com&code=123456"
            auth = [(b"Authorization", b"Bearer " + token.encode())] if "/admin/" in template or "suppression" in template else []
            found.append((method.upper(), path, body, auth))
    return found


def test_no_header_value_gets_a_5xx_or_stops_the_server(server):
    port, data, process = server
    table = routes(port, data)
    assert len(table) >= 40, [r[1] for r in table]
    closed = []
    failures = []
    sent = 0
    started = time.monotonic()
    for method, path, body, auth in table:
        content_type = [(b"Content-Type", b"application/x-www-form-urlencoded" if path.startswith("/privacy/")
                         else b"application/json")] if body else []
        for name, value in CORPUS:
            headers = [h for h in auth + content_type if h[0].lower() != name.lower()] + [(name, value)]
            status = raw(port, method, path, headers, body)
            sent += 1
            if status is None:
                closed.append((method, path, name, value[:40]))
            elif status >= 500:
                failures.append((method, path, name, value[:60], status))
        for label, framing in FRAMING:
            status = raw(port, method, path, auth + content_type, b"{}" if body else b"", framing=framing)
            sent += 1
            if status is not None and status >= 500:
                failures.append((method, path, label, status))
        assert process.poll() is None, f"the server stopped after {method} {path}"
    elapsed = time.monotonic() - started
    print(f"\n{len(table)} routes x ({len(CORPUS)} header values + {len(FRAMING)} framings) = {sent} requests "
          f"in {elapsed:.1f} s; {len(closed)} closed without an answer")
    assert not failures, failures[:20]
    # Every header value gets an answer: none is so broken that the HTTP parser drops the connection.
    assert not closed, closed[:10]
    assert process.poll() is None
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=TIMEOUT) as answer:
        assert answer.status == 200
