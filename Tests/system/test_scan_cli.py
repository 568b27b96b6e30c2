"""`assent scan` as a publisher's CI runs it: the real binary against `assent serve` on the demo property, in a
real Chromium. The demo site scans clean in an opt-in and an opt-out region (exit 0, a JSON report without a
violation, an HTML report), run by the server or by the command itself (which can apply the proposed cookie list),
and none of the scanner's decisions reaches the ledger; a start URL nothing answers is exit 2 with a message that
says so. Kept small: two pages at most."""

import json
import os
import subprocess
import tempfile

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
