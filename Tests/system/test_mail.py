"""Mail as an operator meets it: `assent mail test` hands a message to a real SMTP server (aiosmtpd, started in
this process on a loopback port) in plain text, over STARTTLS or implicit TLS with a self-signed certificate made
by the openssl command, with AUTH PLAIN or LOGIN checked by an authenticator; the received bytes are parsed with
Python's email package. Failures (an untrusted or misnamed certificate, STARTTLS required but not offered, a wrong
password, a server that never answers) exit 1 naming the step and the server's reply. Without --smtp-url the
message lands in the outbox folder of the data directory."""

import contextlib
import email
import email.policy
import os
import socket
import ssl
import stat
import subprocess
import tempfile
import threading
import time
import urllib.parse

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

BIN = os.environ.get("ASSENT_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/assent"))
SENDER = "noreply@assent.example"
RECIPIENT = "visitor@example.org"
USER = "mailer@assent.example"
PASSWORD = "p@ss:w/rd wörd%"  # every character that needs percent-encoding in a URL


def mail_test(*args, timeout=60):
    env = {k: v for k, v in os.environ.items() if k not in ("ASSENT_SMTP_URL", "ASSENT_DATA_DIR")}
    return subprocess.run([BIN, "mail", "test", *args], capture_output=True, text=True, timeout=timeout, env=env)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def credentials(user=USER, password=PASSWORD):
    return urllib.parse.quote(user, safe="") + ":" + urllib.parse.quote(password, safe="") + "@"


class Recorder:
    """The aiosmtpd handler: keeps every envelope, and whether its session was encrypted."""

    def __init__(self):
        self.envelopes = []
        self.encrypted = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        implicit = server.transport.get_extra_info("ssl_object") is not None
        self.encrypted.append(session.ssl is not None or implicit)
        return "250 2.0.0 OK queued as T3ST"

    def message(self):
        assert len(self.envelopes) == 1, self.envelopes
        return email.message_from_bytes(self.envelopes[0].content, policy=email.policy.default)


class Authenticator:
    def __init__(self):
        self.mechanisms = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.mechanisms.append(mechanism)
        good = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(), PASSWORD.encode())
        return AuthResult(success=good, handled=False)  # handled=True would leave the 535 unsent


class ImplicitTLSController(Controller):
    """aiosmtpd's own start-up probe of an implicit-TLS server does not verify; this one just connects."""

    def _trigger_server(self):
        with socket.create_connection((self.hostname, self.port), 1.0):
            pass


@contextlib.contextmanager
def smtp_server(implicit_tls=None, **kwargs):
    recorder = Recorder()
    cls = ImplicitTLSController if implicit_tls else Controller
    controller = cls(recorder, hostname="127.0.0.1", port=free_port(), ssl_context=implicit_tls, **kwargs)
    controller.start()
    try:
        yield controller.port, recorder
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def certs():
    """A self-signed certificate for localhost and 127.0.0.1, and one for another name."""
    folder = tempfile.mkdtemp(prefix="assent-mail-certs-")
    made = {}
    for name, san in [("localhost", "DNS:localhost,IP:127.0.0.1"), ("other", "DNS:other.example")]:
        cert, key = os.path.join(folder, name + ".pem"), os.path.join(folder, name + ".key")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
             "-subj", "/CN=" + san.split(",")[0][4:], "-addext", "subjectAltName=" + san],
            check=True, capture_output=True)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        made[name] = (cert, context)
    return made


def test_plain_delivery_on_loopback():
    body = "Your code is 123456.\n.\n..a line that starts with dots\nEnd."
    with smtp_server() as (port, recorder):
        result = mail_test("--smtp-url", f"smtp://127.0.0.1:{port}?starttls=off", "--from", f"Assent <{SENDER}>",
                           "--to", RECIPIENT, "--subject", "Your code", "--body", body, "--verbose")
    assert result.returncode == 0, result.stderr
    assert f"sent to {RECIPIENT} via smtp://127.0.0.1:{port} (no TLS, no AUTH)" in result.stdout
    assert "server: 250 2.0.0 OK queued as T3ST" in result.stdout
    assert "C: MAIL FROM:<noreply@assent.example>" in result.stdout and "S: 354" in result.stdout
    envelope = recorder.envelopes[0]
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == [RECIPIENT]
    assert b"\r\n" in envelope.content and b"\n" not in envelope.content.replace(b"\r\n", b"")
    message = recorder.message()
    assert message["From"] == f"Assent <{SENDER}>" and message["To"] == RECIPIENT
    assert message["Subject"] == "Your code" and message["MIME-Version"] == "1.0"
    assert message["Message-ID"].endswith("@assent.example>") and message["Message-ID"] in result.stdout
    assert message["Date"].datetime.tzinfo is not None
    assert abs(message["Date"].datetime.timestamp() - time.time()) < 120
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    assert message["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
    assert message.get_content().replace("\r\n", "\n") == body + "\n"
    assert recorder.encrypted == [False]


def test_opportunistic_starttls_goes_plain_when_not_offered_and_from_comes_from_the_url():
    with smtp_server() as (port, recorder):
        result = mail_test("--smtp-url", f"smtp://localhost:{port}?from={urllib.parse.quote(SENDER)}",
                           "--to", RECIPIENT)
    assert result.returncode == 0, result.stderr
    assert "(no TLS, no AUTH)" in result.stdout
    assert recorder.envelopes[0].mail_from == SENDER


def test_non_ascii_subject_and_body_arrive_intact():
    subject = "Votre code : 123 456 — ça marche ✓ 確認コード 🔐 " + "é" * 40
    body = "Bonjour Zoë,\n\nvotre code est 123 456.\nGrüße, 日本語のテキスト 🎉\n   trailing spaces   \n" + "ü" * 100
    with smtp_server() as (port, recorder):
        result = mail_test("--smtp-url", f"smtp://127.0.0.1:{port}?starttls=off", "--from", "Zoë Café <a@b.example>",
                           "--to", RECIPIENT, "--subject", subject, "--body", body)
    assert result.returncode == 0, result.stderr
    raw = recorder.envelopes[0].content
    assert all(byte < 0x80 for byte in raw), "the message must be 7-bit ASCII"
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    message = recorder.message()
    assert message["Subject"] == subject
    assert message["From"].addresses[0].display_name == "Zoë Café"
    assert message.get_content().replace("\r\n", "\n") == body + "\n"


def test_starttls_with_a_private_ca(certs):
    cert, context = certs["localhost"]
    for host in ["localhost", "127.0.0.1"]:
        with smtp_server(tls_context=context, require_starttls=True) as (port, recorder):
            result = mail_test("--smtp-url", f"smtp://{host}:{port}?ca={cert}", "--from", SENDER, "--to", RECIPIENT,
                               "--verbose")
        assert result.returncode == 0, result.stderr
        assert "(STARTTLS, no AUTH)" in result.stdout
        assert result.stdout.index("C: STARTTLS") < result.stdout.index("C: MAIL FROM")
        assert recorder.encrypted == [True]


def test_starttls_required_with_a_private_ca(certs):
    cert, context = certs["localhost"]
    with smtp_server(tls_context=context) as (port, recorder):
        result = mail_test("--smtp-url", f"smtp://localhost:{port}?starttls=required&ca={cert}", "--from", SENDER,
                           "--to", RECIPIENT)
    assert result.returncode == 0, result.stderr
    assert recorder.encrypted == [True]


def test_an_untrusted_certificate_fails_the_handshake_and_never_falls_back(certs):
    _, context = certs["localhost"]
    with smtp_server(tls_context=context) as (port, recorder):
        result = mail_test("--smtp-url", f"smtp://localhost:{port}", "--from", SENDER, "--to", RECIPIENT)
    assert result.returncode == 1
    assert "SMTP TLS handshake failed" in result.stderr, result.stderr
    assert recorder.envelopes == []


def test_a_certificate_for_another_name_is_refused(certs):
    cert, context = certs["other"]
    with smtp_server(tls_context=context) as (port, recorder):
        result = mail_test("--smtp-url", f"smtp://localhost:{port}?ca={cert}", "--from", SENDER, "--to", RECIPIENT)
    assert result.returncode == 1
    assert "SMTP TLS handshake failed" in result.stderr, result.stderr
    assert recorder.envelopes == []


def test_starttls_required_but_not_offered():
    with smtp_server() as (port, recorder):
        result = mail_test("--smtp-url", f"smtp://127.0.0.1:{port}?starttls=required", "--from", SENDER,
                           "--to", RECIPIENT)
    assert result.returncode == 1
    assert "SMTP STARTTLS failed" in result.stderr and "does not offer STARTTLS" in result.stderr, result.stderr
    assert recorder.envelopes == []


def test_implicit_tls(certs):
    cert, context = certs["localhost"]
    with smtp_server(implicit_tls=context) as (port, recorder):
        result = mail_test("--smtp-url", f"smtps://localhost:{port}?ca={cert}", "--from", SENDER, "--to", RECIPIENT)
    assert result.returncode == 0, result.stderr
    assert "(implicit TLS, no AUTH)" in result.stdout
    assert recorder.encrypted == [True]


def test_auth_plain_over_starttls(certs):
    cert, context = certs["localhost"]
    authenticator = Authenticator()
    with smtp_server(tls_context=context, authenticator=authenticator, auth_required=True) as (port, recorder):
        result = mail_test("--smtp-url", f"smtp://{credentials()}localhost:{port}?ca={cert}", "--from", SENDER,
                           "--to", RECIPIENT, "--verbose")
    assert result.returncode == 0, result.stderr
    assert "(STARTTLS, AUTH PLAIN)" in result.stdout
    assert authenticator.mechanisms == ["PLAIN"]
    assert "C: AUTH PLAIN <credentials hidden>" in result.stdout
    assert "wörd" not in result.stdout and urllib.parse.quote(PASSWORD, safe="") not in result.stdout
    assert len(recorder.envelopes) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_auth_login_when_plain_is_not_offered():
    authenticator = Authenticator()
    with smtp_server(authenticator=authenticator, auth_required=True, auth_require_tls=False,
                     auth_exclude_mechanism=["PLAIN"]) as (port, recorder):
        result = mail_test("--smtp-url", f"smtp://{credentials()}127.0.0.1:{port}?starttls=off", "--from", SENDER,
                           "--to", RECIPIENT, "--verbose")
    assert result.returncode == 0, result.stderr
    assert "(no TLS, AUTH LOGIN)" in result.stdout
    assert authenticator.mechanisms == ["LOGIN"]
    assert "C: <password hidden>" in result.stdout
    assert len(recorder.envelopes) == 1


@pytest.mark.parametrize("exclude", [[], ["PLAIN"]])
def test_a_wrong_password_is_refused_with_535(certs, exclude):
    cert, context = certs["localhost"]
    authenticator = Authenticator()
    with smtp_server(tls_context=context, authenticator=authenticator, auth_required=True,
                     auth_exclude_mechanism=exclude) as (port, recorder):
        result = mail_test("--smtp-url", f"smtp://{credentials(password='wrong-secret')}localhost:{port}?ca={cert}",
                           "--from", SENDER, "--to", RECIPIENT)
    assert result.returncode == 1
    mechanism = "LOGIN" if exclude else "PLAIN"
    assert f"SMTP AUTH {mechanism} failed" in result.stderr and "535" in result.stderr, result.stderr
    assert "wrong-secret" not in result.stderr + result.stdout
    assert recorder.envelopes == []


def test_credentials_need_auth_offered():
    with smtp_server() as (port, recorder):
        result = mail_test("--smtp-url", f"smtp://{credentials()}127.0.0.1:{port}?starttls=off", "--from", SENDER,
                           "--to", RECIPIENT)
    assert result.returncode == 1
    assert "SMTP AUTH failed" in result.stderr and "offers no AUTH" in result.stderr, result.stderr


def test_a_rejected_recipient_names_the_step():
    class Picky(Recorder):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 5.1.1 No such user here"

    picky = Picky()
    controller = Controller(picky, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        result = mail_test("--smtp-url", f"smtp://127.0.0.1:{controller.port}", "--from", SENDER, "--to", RECIPIENT)
    finally:
        controller.stop()
    assert result.returncode == 1
    assert "SMTP RCPT TO failed" in result.stderr and "550 5.1.1 No such user here" in result.stderr


def scripted_server(replies):
    """A raw TCP server that sends the greeting, then one scripted answer per line received; returns its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve():
        connection, _ = listener.accept()
        with connection, listener:
            stream = connection.makefile("rb")
            connection.sendall(replies[0])
            for reply in replies[1:]:
                if not stream.readline():
                    return
                connection.sendall(reply)
            stream.readline()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def test_plaintext_injected_after_starttls_is_refused():
    port = scripted_server([b"220 fake ESMTP\r\n", b"250-fake\r\n250 STARTTLS\r\n",
                            b"220 go ahead\r\n250 injected before the handshake\r\n"])
    result = mail_test("--smtp-url", f"smtp://127.0.0.1:{port}?timeout=5", "--from", SENDER, "--to", RECIPIENT)
    assert result.returncode == 1
    assert "SMTP STARTTLS failed" in result.stderr and "injection" in result.stderr, result.stderr


def test_a_malformed_reply_is_an_error():
    port = scripted_server([b"220 fake ESMTP\r\n", b"hello there\r\n"])
    result = mail_test("--smtp-url", f"smtp://127.0.0.1:{port}?timeout=5", "--from", SENDER, "--to", RECIPIENT)
    assert result.returncode == 1
    assert "SMTP EHLO failed" in result.stderr and "malformed reply" in result.stderr, result.stderr


def test_a_server_that_never_answers_times_out():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        accepted = []
        thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
        thread.start()
        port = listener.getsockname()[1]
        started = time.monotonic()
        result = mail_test("--smtp-url", f"smtp://127.0.0.1:{port}?timeout=1", "--from", SENDER, "--to", RECIPIENT,
                           timeout=30)
        elapsed = time.monotonic() - started
        for connection, _ in accepted:
            connection.close()
    assert result.returncode == 1
    assert "SMTP greeting failed" in result.stderr and "timed out" in result.stderr, result.stderr
    assert 0.9 <= elapsed < 10


def test_the_timeout_flag_overrides_the_url():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        started = time.monotonic()
        result = mail_test("--smtp-url", f"smtp://127.0.0.1:{listener.getsockname()[1]}?timeout=60",
                           "--timeout", "0.5", "--from", SENDER, "--to", RECIPIENT, timeout=30)
    assert result.returncode == 1 and "timed out" in result.stderr, result.stderr
    assert time.monotonic() - started < 10


def test_nothing_listening_is_a_connect_error():
    result = mail_test("--smtp-url", f"smtp://127.0.0.1:{free_port()}", "--from", SENDER, "--to", RECIPIENT)
    assert result.returncode == 1
    assert "SMTP connect failed" in result.stderr, result.stderr


def test_a_malformed_url_is_refused_without_the_password():
    result = mail_test("--smtp-url", "smtp://user:hunter2@host?bogus=1", "--from", SENDER, "--to", RECIPIENT)
    assert result.returncode == 1
    assert "invalid SMTP URL" in result.stderr and "bogus" in result.stderr
    assert "hunter2" not in result.stderr


def test_without_a_url_mail_goes_to_the_outbox():
    data = tempfile.mkdtemp(prefix="assent-mail-")
    subject = "Code — ça marche"
    first = mail_test("--data-dir", data, "--to", RECIPIENT, "--subject", subject, "--body", "Code: 654321")
    second = mail_test("--data-dir", data, "--to", RECIPIENT)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    outbox = os.path.join(data, "outbox")
    names = sorted(os.listdir(outbox))
    assert len(names) == 2 and all(name.endswith(".eml") for name in names)
    assert os.path.join(outbox, names[0]) in first.stdout and os.path.join(outbox, names[1]) in second.stdout
    path = os.path.join(outbox, names[0])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, "rb") as f:
        raw = f.read()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == subject and message["To"] == RECIPIENT and message["From"] == "assent@localhost"
    assert message.get_content().replace("\r\n", "\n") == "Code: 654321\n"
