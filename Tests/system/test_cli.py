"""The command line as an operator meets it: property export/import round trip, import refusing a bad
document with every problem named by path and nothing stored, and clear failures for missing data."""

import json
import os
import shutil
import subprocess
import tempfile

import pytest

BIN = os.environ.get("ASSENT_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/assent"))


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def scratch():
    """Makes temporary directories for one test and removes them when it ends, passed or not."""
    made = []

    def make(prefix="assent-cli-"):
        made.append(tempfile.mkdtemp(prefix=prefix))
        return made[-1]

    yield make
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


def test_import_export_round_trip_and_versions(scratch):
    data = scratch()
    doc = {
        "id": "news", "name": "News", "origins": ["https://news.example"], "languages": ["en"],
        "categories": [{"key": "necessary", "required": True, "title": {"en": "Strictly Necessary"},
                        "description": {"en": "Needed for the site to work."}},
                       {"key": "sale", "title": {"en": "Sale"}, "description": {"en": "Sale or sharing."},
                        "purposes": ["sale", "sharing"]}],
        "texts": {"en": {k: k.upper() for k in [
            "bannerTitle", "bannerText", "acceptAll", "rejectAll", "preferences", "doNotSell",
            "preferencesTitle", "preferencesIntro", "cookiePolicy", "allowAll", "saveSettings", "alwaysActive",
            "gpcHonoured", "close", "cookiesHeading", "placeholder", "placeholderButton"]}},
    }
    path = os.path.join(data, "news.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    first = run("property", "import", path, "--data-dir", data)
    assert first.returncode == 0, first.stderr
    assert "revision 1, policy version 1" in first.stdout

    again = run("property", "import", path, "--data-dir", data)
    assert again.returncode == 0 and "unchanged" in again.stdout

    exported = run("property", "export", "news", "--data-dir", data)
    assert exported.returncode == 0, exported.stderr
    back = json.loads(exported.stdout)
    assert back["id"] == "news" and back["policyVersion"] == 1
    assert [c["key"] for c in back["categories"]] == ["necessary", "sale"]

    back["texts"]["en"]["bannerTitle"] = "Changed"
    with open(path, "w") as f:
        json.dump(back, f)
    changed = run("property", "import", path, "--data-dir", data)
    assert "revision 2, policy version 2" in changed.stdout, changed.stdout


def test_import_names_every_problem_and_stores_nothing(scratch):
    data = scratch()
    bad = {
        "id": "Bad Id", "name": "x", "origins": ["example.com"], "languages": ["en", "es"], "colour": "red",
        "regimes": {"default": "notice", "rules": [{"regime": "opt-in", "regions": ["FR"], "rejectAll": False}]},
        "categories": [{"key": "functional", "title": {"en": "Functional"}, "description": {"en": "x"}}],
        "texts": {"en": {}},
    }
    path = os.path.join(data, "bad.json")
    with open(path, "w") as f:
        json.dump(bad, f)
    result = run("property", "import", path, "--data-dir", data)
    assert result.returncode == 2
    for expected in ["$.id", "$.origins[0]", "$.colour: unknown field", "$.regimes.rules[0].rejectAll",
                     'a property needs a "necessary" category', "$.categories[0].title.es", "$.texts.es",
                     "$.texts.en.acceptAll: missing"]:
        assert expected in result.stderr, f"{expected!r} not in:\n{result.stderr}"
    exported = run("property", "export", "Bad Id", "--data-dir", data)
    assert exported.returncode != 0

    with open(path, "w") as f:
        f.write('{"id": "x", "id": "y"}')
    dup = run("property", "import", path, "--data-dir", data)
    assert dup.returncode == 2 and 'duplicate member "id"' in dup.stderr


def test_missing_things_fail_clearly(scratch):
    empty = scratch("assent-cli-empty-")
    verify = run("ledger", "verify", "--data-dir", empty)
    assert verify.returncode != 0 and "no database" in (verify.stdout + verify.stderr)
    missing = run("property", "import", os.path.join(empty, "nope.json"), "--data-dir", empty)
    assert missing.returncode != 0 and "cannot read" in missing.stderr
    port = run("serve", "--port", "0", "--data-dir", empty)
    assert port.returncode != 0 and "--port" in port.stderr
    region = run("serve", "--default-region", "Narnia", "--data-dir", empty)
    assert region.returncode != 0 and "--default-region" in region.stderr


def test_signals_decode():
    good = run("signals", "decode", "DBABLA~CVVVkkkkkpFY.YA")
    assert good.returncode == 0, good.stderr
    decoded = json.loads(good.stdout)
    assert decoded["type"] == "gpp" and decoded["header"]["sectionIds"] == [7]
    assert decoded["sections"]["usnat"]["saleOptOut"] == 1 and decoded["sections"]["usnat"]["gpc"] is True
    assert json.loads(run("signals", "decode", "1YNN").stdout)["optOutSale"] == "N"

    bad = run("signals", "decode", "CO4VGswO4VGswAfZ")
    assert bad.returncode == 1 and bad.stdout == ""
    assert "core.cmpVersion at bit 90" in bad.stderr, bad.stderr


# Strings Assent writes byte for byte the same way (VECTORS.md): `decode | encode` gives them back.
CANONICAL_SIGNALS = [
    "CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA",
    "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA",
    "DBABTA~1YNN", "DBABLA~CVVVkkkkkpFY.YA", "DBABLA~CAAAVVVVVVRA.QA", "DBABRg~BVWSSVY", "DBABFg~BVVkklWA",
    "DBABrw~CAAAAAAAAABA.QA~BAAAAABA.QA", "1YNN", "1NYN", "1-Y-", "1---", "1YYN",
]


def test_signals_decode_then_encode_gives_the_string_back():
    for string in CANONICAL_SIGNALS:
        decoded = run("signals", "decode", string)
        assert decoded.returncode == 0, decoded.stderr
        encoded = subprocess.run([BIN, "signals", "encode"], input=decoded.stdout, capture_output=True, text=True,
                                 timeout=60)
        assert encoded.returncode == 0, encoded.stderr
        assert encoded.stdout == string + "\n"
    # Through a shell pipe, as the README shows it, with `-` for standard input.
    piped = subprocess.run(f"'{BIN}' signals decode 'DBABLA~CVVVkkkkkpFY.YA' | '{BIN}' signals encode -", shell=True,
                           capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and piped.stdout == "DBABLA~CVVVkkkkkpFY.YA\n", piped.stderr


def test_signals_encode_from_a_file_and_edited_fields(scratch):
    path = os.path.join(scratch("assent-cli-signals-"), "usnat.json")
    doc = json.loads(run("signals", "decode", "DBABLA~CVVVkkkkkpFY.YA").stdout)
    doc["sections"]["usnat"]["gpc"] = False
    doc["sections"]["usca"] = {
        "version": 1, "saleOptOutNotice": 1, "sharingOptOutNotice": 1, "sensitiveDataLimitUseNotice": 0,
        "saleOptOut": 1, "sharingOptOut": 1, "sensitiveDataProcessing": [0] * 9,
        "knownChildSensitiveDataConsents": [0, 0], "personalDataConsents": 0, "mspaCoveredTransaction": 2,
        "mspaOptOutOptionMode": 0, "mspaServiceProviderMode": 0, "gpc": True}
    doc["header"]["sectionIds"] = [7, 8]
    with open(path, "w") as f:
        json.dump(doc, f)
    encoded = run("signals", "encode", path)
    assert encoded.returncode == 0, encoded.stderr
    string = encoded.stdout.strip()
    assert string.startswith("DBABrw~CVVVkkkkkpFY.QA~")
    back = json.loads(run("signals", "decode", string).stdout)
    assert back["sections"]["usca"]["saleOptOut"] == 1 and back["sections"]["usca"]["gpc"] is True
    assert back["sections"]["usnat"]["gpc"] is False


def test_signals_encode_names_the_json_path_of_every_problem():
    doc = json.loads(run("signals", "decode", "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA").stdout)
    doc["cmpId"] = 5000
    doc["vendorConsents"] = [3, 0]
    del doc["publisherCC"]
    doc["colour"] = "red"
    bad = subprocess.run([BIN, "signals", "encode"], input=json.dumps(doc), capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and bad.stdout == ""
    for expected in ["standard input: 4 problem(s)", "$.colour: unknown field", "$.publisherCC: missing",
                     "$.cmpId: must be between 0 and 4095, is 5000",
                     "$.vendorConsents[1]: must be between 1 and 65535, is 0"]:
        assert expected in bad.stderr, f"{expected!r} not in:\n{bad.stderr}"

    gpp = json.loads(run("signals", "decode", "DBABRg~BVWSSVY").stdout)
    gpp["sections"]["usva"]["mspaCoveredTransaction"] = 0
    gpp["sections"]["usva"]["gpc"] = True
    bad = subprocess.run([BIN, "signals", "encode", "-"], input=json.dumps(gpp), capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 1
    assert "$.sections.usva.mspaCoveredTransaction: must be between 1 and 2, is 0" in bad.stderr, bad.stderr
    assert "$.sections.usva.gpc: usva has no GPC subsection" in bad.stderr, bad.stderr

    broken = subprocess.run([BIN, "signals", "encode"], input='{"type": "usp",', capture_output=True, text=True,
                            timeout=60)
    assert broken.returncode == 1 and "$: not valid JSON" in broken.stderr
    missing = run("signals", "encode", "/nonexistent/signal.json")
    assert missing.returncode == 1 and "cannot read /nonexistent/signal.json" in missing.stderr


class Server:
    """`assent serve` on a free loopback port, stopped with SIGTERM."""

    def __init__(self, data, *extra):
        import http.client
        import socket
        import time

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.process = subprocess.Popen(
            [BIN, "serve", "--data-dir", data, "--port", str(self.port), "--log-level", "error", *extra])
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                assert self.process.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)

    def call(self, method, path, body=None):
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, path, json.dumps(body) if body is not None else None, {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")

    def consent(self):
        status, decision = self.call("POST", "/v1/properties/demo/consents",
                                     {"action": "save", "choices": {"performance": True}, "policyVersion": 1})
        assert status == 201, decision
        return decision

    def stop(self):
        import signal

        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def test_ledger_verify_shows_progress_on_a_terminal_and_ends_with_a_summary(scratch):
    import pty

    data = scratch()
    server = Server(data)
    try:
        for _ in range(30):
            server.consent()
    finally:
        server.stop()

    # On a terminal: a progress line that rewrites itself, then the summary with the rate.
    controller, terminal = pty.openpty()
    verify = subprocess.Popen([BIN, "ledger", "verify", "--data-dir", data], stdout=terminal, stderr=terminal)
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the other end closed: the command has exited
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    assert verify.wait(timeout=60) == 0
    text = output.decode()
    assert "\r30 of 30 records (100%)" in text and "records/s, about 0s left" in text, text
    assert "ok: 30 records," in text and "records/s)" in text, text

    # Not on a terminal (a pipe, a log file): the summary alone, no carriage returns.
    piped = run("ledger", "verify", "--data-dir", data)
    assert piped.returncode == 0 and "\r" not in piped.stdout + piped.stderr
    assert piped.stdout.startswith("ok: 30 records, ") and "records/s)" in piped.stdout, piped.stdout


def test_key_rotation_keeps_old_receipts_verifiable(scratch):
    data = scratch()
    server = Server(data)
    try:
        before = server.consent()
    finally:
        server.stop()
    old_key = before["receipt"]["treeHead"]["keyId"]

    rotated = run("key", "rotate", "--data-dir", data)
    assert rotated.returncode == 0, rotated.stderr
    assert f"retired key {old_key}" in rotated.stdout
    assert os.path.exists(os.path.join(data, "retired-keys", old_key + ".ed25519"))
    assert oct(os.stat(os.path.join(data, "signing-key.ed25519")).st_mode & 0o777) == "0o600"

    server = Server(data)
    try:
        after = server.consent()
        new_key = after["receipt"]["treeHead"]["keyId"]
        assert new_key != old_key and f"new signing key {new_key}" in rotated.stdout
        status, jwks = server.call("GET", "/.well-known/jwks.json")
        assert status == 200 and {k["kid"] for k in jwks["keys"]} == {old_key, new_key}
        for receipt in (before["receipt"], after["receipt"]):
            status, checked = server.call("POST", "/v1/receipts/verify", receipt)
            assert status == 200 and checked["valid"] is True, checked
    finally:
        server.stop()

    listed = run("key", "list", "--data-dir", data)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == [old_key, new_key], lines
    assert lines[1].endswith("this server")
    verify = run("ledger", "verify", "--data-dir", data)
    assert verify.returncode == 0 and verify.stdout.startswith("ok: 2 records"), verify.stdout + verify.stderr


def test_log_lines_are_json_objects_with_log_format_json(scratch):
    import time

    data = scratch()
    log_path = os.path.join(data, "server.log")
    with open(log_path, "w") as log:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        process = subprocess.Popen([BIN, "serve", "--data-dir", os.path.join(data, "d"), "--port", str(port),
                                    "--log-format", "json"], stderr=log)
        deadline = time.monotonic() + 60
        while "assent is serving" not in open(log_path).read():
            assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        process.terminate()
        process.wait(timeout=30)
    lines = [json.loads(line) for line in open(log_path).read().splitlines() if line.strip()]
    serving = [line for line in lines if line["message"] == "assent is serving"]
    assert serving and serving[0]["level"] == "info" and serving[0]["demo"].endswith("/demo/"), lines
    assert all({"time", "level", "label", "source", "message"} <= set(line) for line in lines)
