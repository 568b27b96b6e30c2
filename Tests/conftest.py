"""Shared by the system and browser tests: every temporary file or directory a test makes through `tempfile`
goes into one directory for the run, removed when the run ends, so a run leaves nothing in /tmp whatever a test
forgets or however it fails."""

import shutil
import tempfile

import pytest


@pytest.fixture(scope="session", autouse=True)
def run_temporary_directory():
    run = tempfile.mkdtemp(prefix="assent-pytest-")
    before = tempfile.tempdir
    tempfile.tempdir = run
    yield run
    tempfile.tempdir = before
    shutil.rmtree(run, ignore_errors=True)
