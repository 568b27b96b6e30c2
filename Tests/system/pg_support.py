"""What the PostgreSQL system tests share: psql, database URLs, and a fresh database on the shared server."""
import contextlib
import glob
import os
import secrets
import shutil
import socket
import subprocess
import urllib.parse

import pytest

# The PostgreSQL scripts/test starts; tests that need it are skipped without it.
ADMIN_URL = os.environ.get("ASSENT_TEST_DATABASE_URL", "")


def psql_binary():
    found = shutil.which("psql") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), reverse=True)), None)
    if not found:
        pytest.fail("psql is not installed")
    return found


def psql(url, sql):
    return subprocess.run([psql_binary(), url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                          capture_output=True, text=True, timeout=60, check=True).stdout.strip()


def with_database(url, name):
    """The URL of database `name` on the server of `url`."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


@contextlib.contextmanager
def fresh_database(prefix):
    """A new, empty database on the shared PostgreSQL, dropped afterwards; yields its URL."""
    name = prefix + secrets.token_hex(6)
    psql(ADMIN_URL, f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
    try:
        yield with_database(ADMIN_URL, name)
    finally:
        psql(ADMIN_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
