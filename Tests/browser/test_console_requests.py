"""The console's privacy requests and consent records in Chromium against the real server: a privacy officer
(made with `assent admin user create --role privacy`) works an access request from received to completed in
the console (verified by hand, started, its export built from Assent's records and attached, completed) and
the requester's mail is found in the outbox the server writes; axe-core finds no violation of any impact on the
queue, the request's page and the records page, in English and Spanish, and none scrolls sideways at 200% zoom."""

import json
import os
import subprocess
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import BIN, WAIT, poll
from test_console import driver, no_sideways_scroll, submit, violations, wait_path  # noqa: F401 (fixture)

REQUESTER = "rosa@example.org"


def post_json(server, path, body, headers=None):
    req = urllib.request.Request(
        server.base + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Assent-Region": "US-CA", **(headers or {})})
    with urllib.request.urlopen(req, timeout=WAIT) as r:
        return json.loads(r.read())


def create_account(server, email, role):
    """The account from the command line, on the running server's data directory; answers its password."""
    out = subprocess.run(
        [BIN, "admin", "user", "create", "--data-dir", str(server.data_dir), "--email", email, "--role", role],
        capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip().splitlines()[-1].strip()


def mails_to(server, address):
    outbox = server.data_dir / "outbox"
    found = []
    for name in sorted(os.listdir(outbox)) if outbox.exists() else []:
        text = (outbox / name).read_text(errors="replace")
        if f"To: {address}" in text or f"To: <{address}>" in text:
            found.append(text)
    return found


def click(d, action, done):
    d.find_element(By.CSS_SELECTOR, f"form[action$='/{action}'] button[type=submit]").click()
    WebDriverWait(d, WAIT).until(lambda d: f"done={done}" in d.current_url)


def test_a_privacy_officer_works_a_request_to_completion(own_server, driver):
    d = driver
    base = own_server.base
    password = create_account(own_server, "pat@example.org", "privacy")
    filed = post_json(own_server, "/v1/properties/demo/requests",
                      {"type": "access", "email": REQUESTER, "details": {"name": "Rosa Díaz"}})
    request_id = filed["id"]

    d.get(base + "/admin/sign-in")
    submit(d, {"email": "pat@example.org", "password": password})
    wait_path(d, "/admin/")
    d.find_element(By.CSS_SELECTOR, "nav a[href='/admin/requests']").click()
    wait_path(d, "/admin/requests")
    row = d.find_element(By.CSS_SELECTOR, f"a[href='/admin/requests/{request_id}']")
    assert "days left" in d.find_element(By.CSS_SELECTOR, "tbody").text
    row.click()
    wait_path(d, f"/admin/requests/{request_id}")
    assert "Rosa Díaz" in d.find_element(By.CSS_SELECTOR, "dl").text

    # A reason is required: the browser's own check, then the server's.
    d.find_element(By.ID, "verify-reason").send_keys("Called back on the number on file")
    click(d, "verify", "verified")
    assert d.find_element(By.CSS_SELECTOR, "[role=status]").text == "The request was verified by hand."
    click(d, "start", "in_progress")
    click(d, "export", "attached")
    assert d.find_element(By.CSS_SELECTOR, "a[download]").get_attribute("href").endswith(
        f"/admin/requests/{request_id}/export")
    click(d, "complete", "completed")

    history = d.find_element(By.CSS_SELECTOR, "table").text
    assert history.count("pat@example.org") == 4, history
    assert "by hand: Called back on the number on file" in history
    mails = poll(lambda: [m for m in mails_to(own_server, REQUESTER) if "Your request is complete" in m],
                 message="the completion mail in the outbox")
    assert "download it from your request's page" in mails[-1]

    # The records page: a decision of the demo, its receipt verified on the server.
    decision = post_json(own_server, "/v1/properties/demo/consents", {"action": "reject_all", "policyVersion": 1})
    d.get(base + f"/admin/records?record={decision['id']}")
    assert d.find_element(By.CSS_SELECTOR, "section .notice").text.startswith("Receipt: Verified")

    pages = ["/admin/requests", "/admin/requests?status=all&overdue=1", f"/admin/requests/{request_id}",
             "/admin/records", f"/admin/records?property=demo&subject={decision['subject']}"]
    for lang in ("en", "es"):
        for page in pages:
            d.get(base + page + ("&" if "?" in page else "?") + f"lang={lang}")
            assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
            assert violations(d) == [], f"{page} in {lang}"

    # An open request's page, with every form on it, passes too.
    other = post_json(own_server, "/v1/properties/demo/requests",
                      {"type": "access", "email": "leo@example.org", "details": {"name": "Leo"}})
    d.get(base + f"/admin/requests/{other['id']}?lang=en")
    assert d.find_elements(By.CSS_SELECTOR, "form[action$='/deny']")
    assert violations(d) == []

    d.set_window_size(640, 900)
    for page in pages + [f"/admin/requests/{other['id']}"]:
        d.get(base + page)
        assert no_sideways_scroll(d), page
    d.set_window_size(1280, 900)
