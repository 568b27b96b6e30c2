"""Console accounts from the command line, as an operator meets them: `assent admin user create` prints a
password once, the server then logs no set-up link, the password signs in through the real sign-in form, and
`assent admin user reset-password` ends that session and the old password stops working."""

import http.cookiejar
import os
import re
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from serving import BIN, serve, stop


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)


class Browser:
    """Cookies kept across requests, redirects not followed (the answers are what is checked)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), self.NoRedirect)

    def request(self, path, form=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=data), timeout=10) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def sign_in(self, email, password):
        _, _, page = self.request("/admin/sign-in")
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        return self.request("/admin/sign-in", {"csrf": token, "email": email, "password": password})


def test_accounts_from_the_command_line_sign_in_and_reset():
    data = tempfile.mkdtemp(prefix="assent-console-")
    created = run("admin", "user", "create", "--data-dir", data, "--email", "Ana@Example.org", "--role", "owner")
    assert created.returncode == 0, created.stderr
    assert "created owner ana@example.org" in created.stderr
    password = created.stdout.strip()
    assert len(password) >= 12

    again = run("admin", "user", "create", "--data-dir", data, "--email", "ana@example.org", "--role", "viewer")
    assert again.returncode != 0 and "an account with this address exists" in again.stderr

    log_path = os.path.join(data, "serve.log")
    with open(log_path, "wb") as log:
        process, base = serve(data, stdout=log, stderr=subprocess.STDOUT)
    try:
        browser = Browser(base)
        status, headers, _ = browser.sign_in("ana@example.org", password)
        assert status == 303 and headers["Location"] == "/admin/"
        assert browser.request("/admin/")[0] == 200

        reset = run("admin", "user", "reset-password", "--data-dir", data, "--email", "ana@example.org")
        assert reset.returncode == 0, reset.stderr
        new_password = reset.stdout.strip()
        assert new_password != password
        # The reset ended the session, and only the new password signs in.
        status, headers, _ = browser.request("/admin/")
        assert status == 303 and headers["Location"] == "/admin/sign-in"
        assert Browser(base).sign_in("ana@example.org", password)[0] == 401
        assert Browser(base).sign_in("ana@example.org", new_password)[0] == 303
    finally:
        assert stop(process) == 0
    with open(log_path, encoding="utf-8") as f:
        assert "/admin/setup/" not in f.read(), "an owner exists: no set-up link"
