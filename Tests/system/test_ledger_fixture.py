"""A ledger written before the JSON writer replaced the hand-written serializers still verifies: the database of
eight decisions (fixtures/ledger-before-json-writer, written by the server at 1468107) with its public key, checked
by `assent ledger verify` as it stands now. Tests/AssentCoreTests/LedgerFixtureTests.swift shows the same entries
written again give their stored bytes back."""

import gzip
import os
import shutil
import subprocess
import tempfile

BIN = os.environ.get("ASSENT_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/assent"))
FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "ledger-before-json-writer")


def test_a_ledger_written_before_the_json_writer_verifies():
    data = tempfile.mkdtemp(prefix="assent-ledger-fixture-")
    try:
        with gzip.open(os.path.join(FIXTURE, "assent.sqlite.gz"), "rb") as src, \
                open(os.path.join(data, "assent.sqlite"), "wb") as dst:
            shutil.copyfileobj(src, dst)
        shutil.copy(os.path.join(FIXTURE, "public-keys.json"), data)
        verify = subprocess.run([BIN, "ledger", "verify", "--data-dir", data], capture_output=True, text=True,
                                timeout=60)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert verify.stdout.startswith("ok: 8 records, 8 signed tree heads"), verify.stdout
    finally:
        shutil.rmtree(data)
