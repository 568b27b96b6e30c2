"""A witness run as an auditor would run it, against the real binary: it pins the server's keys on its first run,
accepts a ledger that only grew, and fails naming the log and both sizes once the tail has been cut from the
database together with its tree heads and nodes, which plain `ledger verify` cannot see but a saved head can."""

import json
import os
import sqlite3
import subprocess
import tempfile
import urllib.request

from test_cli import BIN, Server


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)


def latest_head(server):
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/v1/ledger/heads/latest?log=0", timeout=10) as r:
        return r.read()


def test_the_witness_accepts_growth_and_catches_a_cut_tail():
    data = tempfile.mkdtemp(prefix="assent-witness-")
    state = tempfile.mkdtemp(prefix="assent-witness-state-")
    server = Server(data)
    try:
        for _ in range(3):
            server.consent()
        url = f"http://127.0.0.1:{server.port}"
        first = run("ledger", "witness", "--server", url, "--state", state)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "pinned" in (first.stdout + first.stderr).lower(), "trust on first use is said"
        assert json.loads(latest_head(server))["size"] == 3

        for _ in range(2):
            server.consent()
        grown = run("ledger", "witness", "--server", url, "--state", state)
        assert grown.returncode == 0, grown.stdout + grown.stderr
        saved = os.path.join(state, "head-5.json")
        with open(saved, "wb") as f:
            f.write(latest_head(server))
    finally:
        server.stop()

    # Whoever can write the database cuts the last two records with their heads and the nodes that cover them.
    db = sqlite3.connect(os.path.join(data, "assent.sqlite"))
    with db:
        db.execute("DELETE FROM ledger_records WHERE log = 0 AND leaf_index >= 3")
        db.execute("DELETE FROM ledger_heads WHERE log = 0 AND size > 3")
        db.execute("DELETE FROM ledger_nodes WHERE log = 0 AND ((idx + 1) << level) > 3")
    db.close()

    plain = run("ledger", "verify", "--data-dir", data)
    assert plain.returncode == 0, "what is left is consistent in itself: " + plain.stdout + plain.stderr
    against_saved = run("ledger", "verify", "--data-dir", data, "--head", saved)
    assert against_saved.returncode == 1, against_saved.stdout + against_saved.stderr
    assert "log 0" in against_saved.stdout

    server = Server(data)
    try:
        cut = run("ledger", "witness", "--server", f"http://127.0.0.1:{server.port}", "--state", state)
        assert cut.returncode == 1, cut.stdout + cut.stderr
        said = cut.stdout + cut.stderr
        assert "log 0" in said and "3" in said and "5" in said, said
        # Nothing is recorded on a failure: the head of size 5 stays as evidence and the next run fails again.
        again = run("ledger", "witness", "--server", f"http://127.0.0.1:{server.port}", "--state", state)
        assert again.returncode == 1
    finally:
        server.stop()


def test_the_witness_says_when_it_cannot_check():
    state = tempfile.mkdtemp(prefix="assent-witness-state-")
    unreachable = run("ledger", "witness", "--server", "http://127.0.0.1:9", "--state", state)
    assert unreachable.returncode == 2, unreachable.stdout + unreachable.stderr
    bad = run("ledger", "witness", "--server", "ftp://example", "--state", state)
    assert bad.returncode != 0 and "--server" in bad.stderr
