"""`assent scan` as a publisher's CI runs it: the real binary against `assent serve` on the demo property, in a
real Chromium. The demo site scans clean in an opt-in and an opt-out region (exit 0, a JSON report without a
violation, an HTML report), run by the server or by the command itself (which can apply the proposed cookie list),
and none of the scanner's decisions reaches the ledger; a start URL nothing answers is exit 2 with a message that
says so. Kept small: two pages at most."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from serving import BIN, call, serve, stop


def admin_token(data):
    made = subprocess.run([BIN, "admin", "token", "create", "--label", "scan", "--data-dir", data],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip().splitlines()[-1]


def test_the_demo_site_scans_clean_through_the_server_and_an_unreachable_site_is_exit_2():
    data = tempfile.mkdtemp(prefix="assent-scan-")
    process, base = serve(data)
    try:
        token = admin_token(data)
        report_json = os.path.join(data, "report.json")
        report_html = os.path.join(data, "report.html")
        clean = subprocess.run(
            [BIN, "scan", base + "/demo/", "--property", "demo", "--regions", "FR,US-CA", "--max-pages", "2",
             "--depth", "1", "--server", base, "--token", token, "--json", report_json, "--html", report_html,
             "--apply"],
            capture_output=True, text=True, timeout=300)
        assert clean.returncode == 0, clean.stdout + clean.stderr
        # --apply through the server's property API: the demo's list already names every cookie its pages set, so
        # the document read back over the API, with the proposal applied, is the stored one (nothing is saved).
        assert "nothing changed" in clean.stdout, clean.stdout
        with open(report_json) as f:
            report = json.load(f)
        assert report["version"] == 1
        assert report["violations"] == []
        assert [(r["code"], r["regime"]) for r in report["regions"]] == [("FR", "opt-in"), ("US-CA", "opt-out")]
        visits = report["visits"]
        assert len(visits) >= 8 and all(v.get("failure") is None for v in visits), visits
        # The scanner clicked the real banner to reject.
        assert any(v["clicked"] for v in visits if v["kind"] == "reject-all")
        with open(report_html) as f:
            html = f.read()
        assert "<html" in html and "<script" not in html

        # The scan run here, on the server's data directory (the server recognises the secret this process issues
        # into the shared store), applying the proposed cookie list as a new revision.
        here = subprocess.run(
            [BIN, "scan", base + "/demo/", "--property", "demo", "--regions", "FR", "--max-pages", "1",
             "--data-dir", data, "--assent-url", base, "--apply"],
            capture_output=True, text=True, timeout=300)
        assert here.returncode == 0, here.stdout + here.stderr
        assert "0 violation(s)" in here.stdout
        assert "applied the proposed cookie list" in here.stdout or "nothing changed" in here.stdout, here.stdout

        # Neither scan's decisions reached the ledger.
        status, heads = call("GET", base + "/v1/ledger/heads")
        assert status == 200 and heads["heads"] == [], heads

        # The same data directory, the scan run here: nothing listens on the discard port.
        unreachable = subprocess.run(
            [BIN, "scan", "http://127.0.0.1:9/", "--property", "demo", "--regions", "FR", "--max-pages", "1",
             "--data-dir", data, "--assent-url", base],
            capture_output=True, text=True, timeout=300)
        assert unreachable.returncode == 2, unreachable.stdout + unreachable.stderr
        assert "could not scan" in unreachable.stderr
        assert "127.0.0.1:9" in unreachable.stderr or "no visit succeeded" in unreachable.stderr
    finally:
        assert stop(process) == 0
        shutil.rmtree(data, ignore_errors=True)


def process_groups():
    """{pid: (process group, command line)} of every process still running."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z":  # a zombie has ended; only its parent has not read its status yet
            found[int(name)] = (int(fields[2]), cmdline)
    return found


def test_a_scans_chromium_ends_when_its_server_is_killed(monkeypatch):
    # The server's temporary directory is the test's own, so the browser profile it starts names it.
    data = tempfile.mkdtemp(prefix="assent-scan-kill-")
    scratch = os.path.join(data, "tmp")
    os.mkdir(scratch)
    monkeypatch.setenv("TMPDIR", scratch)
    process, base = serve(data)
    try:
        token = admin_token(data)
        status, scan = call(
            "POST", base + "/v1/admin/properties/demo/scans",
            {"startURLs": [base + "/demo/"], "regions": ["FR", "US-CA"], "maxPages": 5, "depth": 2},
            headers={"Authorization": "Bearer " + token})
        assert status == 202, scan
        # The scan's browser: its launcher and Chromium share one process group, named by the profile's path.
        deadline = time.monotonic() + 60
        groups = set()
        while not groups:
            assert time.monotonic() < deadline, "the scan started no browser"
            groups = {g for g, line in process_groups().values() if scratch in line and "chromium" in line}
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        deadline = time.monotonic() + 20
        while True:
            left = {p: line for p, (g, line) in process_groups().items() if g in groups}
            if not left:
                break
            assert time.monotonic() < deadline, f"the browser outlived its server: {left}"
            time.sleep(0.1)
    finally:
        if process.poll() is None:
            stop(process)
        shutil.rmtree(data, ignore_errors=True)
