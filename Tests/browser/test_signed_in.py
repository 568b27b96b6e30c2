"""Signed-in readers in Chromium: the demo property takes the publisher's tokens (`assent property import` with an
`identity` section), the page hands the widget a token through `window.assentIdentity`, and a reader's choice made
in one browser applies in a second one (another device: its own profile, no cookie) without a banner; a third
browser that sends GPC opts the reader out, and the second one picks that up when it revalidates its config."""

import base64
import contextlib
import hashlib
import hmac
import json
import shutil
import subprocess
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from conftest import BIN, CATEGORIES, CHROMEDRIVER, CHROMIUM, Browser, expected_choices, poll

SECRET = bytes(range(32))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(sub, iss="assent-demo", lifetime=3600):
    payload = b64url(json.dumps({"iss": iss, "sub": sub, "exp": int(time.time()) + lifetime}).encode())
    return payload + "." + b64url(hmac.new(SECRET, payload.encode(), hashlib.sha256).digest())


@contextlib.contextmanager
def chromium(server, profile, reader_token):
    """A Chrome session of its own (a separate device) whose pages get the reader's token before any script."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
              f"--user-data-dir={profile}", "--no-first-run", "--disable-dev-shm-usage", "--disable-extensions",
              "--lang=en-US"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    try:
        b = Browser(driver, server)
        b.d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                            {"source": f"window.assentIdentity = {json.dumps(reader_token)}"})
        yield b
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_a_readers_choice_follows_them_to_another_browser_and_gpc_anywhere_opts_them_out(own_server, tmp_path):
    exported = subprocess.run([BIN, "property", "export", "demo", "--data-dir", str(own_server.data_dir)],
                              capture_output=True, text=True, check=True).stdout
    doc = json.loads(exported)
    doc["identity"] = {"issuer": "assent-demo", "hmacSecret": base64.b64encode(SECRET).decode()}
    path = own_server.data_dir.parent / "demo-identity.json"
    path.write_text(json.dumps(doc))
    subprocess.run([BIN, "property", "import", str(path), "--data-dir", str(own_server.data_dir)],
                   capture_output=True, text=True, check=True)
    probe = {"X-Assent-Region": "FR", "Assent-Identity": token("probe")}
    poll(lambda: own_server.get("/v1/properties/demo/config", probe)[0] == 200,
         message="the running server to take the demo's tokens")

    reader = token("reader-7")
    with chromium(own_server, tmp_path / "laptop", reader) as laptop:
        laptop.region("FR")
        laptop.demo()
        laptop.click_button("Accept All", ".assent-b")
        subject = laptop.wait_decision()["s"]
        assert subject.startswith("u-"), subject

        with chromium(own_server, tmp_path / "phone", reader) as phone:
            phone.region("FR")
            phone.demo()
            # The reader's decision arrives with the config: applied, no banner, the gated scripts run.
            got = phone.wait_decision(message="the reader's decision on the second device")
            assert got["s"] == subject
            assert phone.js("return window.assent.choices()") == expected_choices(CATEGORIES + ["sale"])
            phone.wait(lambda d: all(phone.runs().get(k) for k in CATEGORIES), "the gated scripts to run")
            assert phone.banner() is None

            # A third browser of the reader's, with Global Privacy Control, in California.
            with chromium(own_server, tmp_path / "tablet", reader) as tablet:
                tablet.region("US-CA")
                tablet.gpc()
                tablet.demo()
                tablet.wait(lambda d: (tablet.decision() or {}).get("c", {}).get("sale") == 0, "the GPC opt-out")
            record = poll(lambda: (r := own_server.subject(subject))["action"] == "gpc" and r,
                          message="the reader's GPC record")
            assert record["choices"]["sale"] is False and record["choices"]["targeting"] is False
            assert set(record["gpcConflicts"]) == {"targeting", "sale"}

            # The phone trusts its cached config for data-config-ttl; age it as if that time had passed.
            phone.js("for (const k of Object.keys(localStorage)) if (k.startsWith('assent:demo:')) {"
                     " const c = JSON.parse(localStorage.getItem(k)); c.at = 0; localStorage.setItem(k, JSON.stringify(c)) }")
            phone.reload()
            phone.wait(lambda d: (phone.decision() or {}).get("c", {}).get("sale") == 0,
                       "the opt-out made on another browser")
            assert phone.js("return window.assent.choices()")["targeting"] is False
            assert phone.js("return window.assent.choices()")["functional"] is True
