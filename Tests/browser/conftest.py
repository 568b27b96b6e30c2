"""Browser tests of the Assent widget against the real `assent` server.

A session fixture starts `assent serve` on a free loopback port with a fresh data directory; each test
gets a fresh headless Chromium (its own profile, so no cookies or localStorage carry over) driven by
Selenium through Debian's chromedriver. Nothing here is mocked: the widget talks to the real API and
the tests read the recorded decisions back from the real server.

Environment:
  ASSENT_BIN          the server binary (default: <repo>/.build/debug/assent)
  ASSENT_CHROMIUM     the browser binary (default: /usr/bin/chromium)
  ASSENT_CHROMEDRIVER the driver binary (default: /usr/bin/chromedriver)
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("ASSENT_BIN", os.path.join(ROOT, ".build", "debug", "assent"))
CHROMIUM = os.environ.get("ASSENT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ASSENT_CHROMEDRIVER", "/usr/bin/chromedriver")

PROPERTY = "demo"
DECISION_COOKIE = "assent_" + PROPERTY
CATEGORIES = ["functional", "performance", "targeting", "social"]  # the gated demo scripts
# the first-party cookie each demo script sets
DEMO_COOKIES = {"functional": "demo_lang", "performance": "demo_analytics", "targeting": "demo_ads", "social": "demo_social"}
WAIT = 10  # seconds: upper bound of every wait; nothing sleeps for a fixed time

# Runs before any page script in every document: records every fetch() the page makes (synchronously, at
# call time, so a request still in flight is seen too) and the layout at DOMContentLoaded, before the
# widget can have shown its banner (the widget appends it only after DOMContentLoaded).
PROBE = r"""
(function () {
  var f = window.fetch;
  window.__fetches = [];
  window.fetch = function (u, o) {
    window.__fetches.push({url: String(u && u.url || u), method: (o && o.method) || "GET"});
    return f.apply(this, arguments);
  };
  // and every analytics beacon (navigator.sendBeacon), with its body
  var sb = navigator.sendBeacon && navigator.sendBeacon.bind(navigator);
  window.__beacons = [];
  if (sb) navigator.sendBeacon = function (u, d) { window.__beacons.push({url: String(u), body: String(d)}); return sb(u, d); };
  document.addEventListener("DOMContentLoaded", function () {
    var top = function (s) { var e = document.querySelector(s); return e ? e.getBoundingClientRect().top : null; };
    window.__dcl = {h1: top("h1"), article: top("article"), h2: top("article h2"), aside: top("aside"),
                    banner: !!document.querySelector(".assent-b"), scrollY: window.scrollY};
  });
})();
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(fn, timeout=WAIT, interval=0.05, message="condition"):
    """Calls fn until it returns something truthy; fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = fn()
            if last:
                return last
        except AssertionError as e:
            last = e
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}; last: {last!r}")
        time.sleep(interval)


class Server:
    def __init__(self, base, proc, log_path):
        self.base, self.proc, self.log_path = base, proc, log_path

    def get(self, path, headers=None):
        """GET a JSON document from the server: (status, parsed body or None)."""
        req = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=WAIT) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                return e.code, json.loads(body)
            except ValueError:
                return e.code, None

    def subject(self, subject):
        """The latest decision the server holds for a subject of the demo property."""
        status, body = self.get(f"/v1/properties/{PROPERTY}/subjects/{urllib.parse.quote(subject)}")
        assert status == 200, f"GET subject {subject}: {status} {body}"
        return body

    def history(self, subject):
        status, body = self.get(f"/v1/properties/{PROPERTY}/subjects/{urllib.parse.quote(subject)}/history")
        assert status == 200, f"GET history {subject}: {status} {body}"
        return body["records"]

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""


@contextlib.contextmanager
def running_server(data):
    """Runs `assent serve` on a free port with `data` as its data directory until the block ends."""
    if not os.access(BIN, os.X_OK):
        pytest.fail(f"server binary {BIN} not found: build it with `swift build` or set ASSENT_BIN")
    log_path = data.parent / f"{data.name}-server.log"
    port = free_port()
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [BIN, "serve", "--data-dir", str(data), "--port", str(port), "--host", "127.0.0.1"],
        stdout=log, stderr=subprocess.STDOUT, cwd=str(data))
    srv = Server(f"http://127.0.0.1:{port}", proc, log_path)
    srv.data_dir = data

    def healthy():
        if proc.poll() is not None:
            raise RuntimeError(f"assent exited with {proc.returncode}:\n{srv.log()}")
        try:
            return srv.get("/healthz") == (200, {"status": "ok"})
        except (OSError, ValueError):
            return False

    try:
        poll(healthy, timeout=30, message="/healthz")
        yield srv
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("assent-data")) as srv:
        yield srv


@pytest.fixture
def own_server(tmp_path_factory):
    """A server of the test's own, for tests that change the demo property."""
    with running_server(tmp_path_factory.mktemp("assent-own")) as srv:
        yield srv


class Browser:
    """A Chrome session plus the helpers the tests share."""

    def __init__(self, driver, server):
        self.d, self.server, self.headers = driver, server, {}
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})

    # --- request headers and signals -------------------------------------------------------------
    def set_header(self, name, value):
        self.headers[name] = value
        self.d.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": dict(self.headers)})

    def region(self, code):
        """The trusted region header, as the publisher's CDN would set it, on every request."""
        self.set_header("X-Assent-Region", code)

    def gpc(self):
        """Global Privacy Control: the Sec-GPC request header and navigator.globalPrivacyControl."""
        self.set_header("Sec-GPC", "1")
        self.d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source":
            "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get(){return true}, configurable: true})"})

    # --- navigation and waiting ------------------------------------------------------------------
    def demo(self, query=""):
        self.d.get(self.server.base + "/demo/" + query)
        self.wait(lambda d: d.execute_script("return document.readyState != 'loading' && !!window.assent"),
                  "the widget to start")

    def reload(self):
        self.d.refresh()
        self.wait(lambda d: d.execute_script("return document.readyState != 'loading' && !!window.assent"),
                  "the widget to start after reload")

    def wait(self, cond, message="condition", timeout=WAIT):
        return WebDriverWait(self.d, timeout, poll_frequency=0.05,
                             ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                             ).until(cond, message=f"timed out waiting for {message}")

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    # --- the page ----------------------------------------------------------------------------------
    def runs(self):
        return self.js("return Object.assign({}, window.demoRuns)")

    def statuses(self):
        return {k: self.d.find_element(By.ID, "status-" + k).text for k in CATEGORIES}

    def find(self, css):
        els = self.d.find_elements(By.CSS_SELECTOR, css)
        return els[0] if els else None

    def banner(self):
        return self.find(".assent-b")

    def wait_banner(self):
        return self.wait(lambda d: (b := self.banner()) is not None and b.is_displayed() and b, "the banner")

    def dialog(self):
        return self.find(".assent-o [role=dialog]")

    def wait_dialog(self):
        return self.wait(lambda d: (g := self.dialog()) is not None and g.is_displayed()
                         and self.js("return arguments[0].contains(document.activeElement)", g) and g,
                         "the preference center to open with focus inside")

    def button(self, text, within=".assent"):
        for b in self.d.find_elements(By.CSS_SELECTOR, within + " button"):
            if b.text.strip() == text:
                return b
        return None

    def click(self, el):
        """Scrolls the element to the middle of the viewport (away from the fixed banner), then clicks it."""
        self.js("arguments[0].scrollIntoView({block: 'center', inline: 'nearest'})", el)
        el.click()

    def click_button(self, text, within=".assent"):
        b = self.wait(lambda d: self.button(text, within), f"button {text!r}")
        self.click(b)

    def switch(self, key):
        return self.d.find_element(By.ID, "assent-k-" + key)

    def open_preferences(self, via="[data-assent-preferences]"):
        self.click(self.d.find_element(By.CSS_SELECTOR, via))
        return self.wait_dialog()

    def save_settings(self, on):
        """In the open preference center: set the switches to exactly the categories in `on`, then Save."""
        for key in CATEGORIES + ["sale"]:
            s = self.switch(key)
            if not s.get_dom_attribute("disabled") and s.is_selected() != (key in on):
                self.click(s)
        self.click_button("Save Settings")
        self.wait(lambda d: self.dialog() is None, "the preference center to close")

    # --- cookies, decisions, requests --------------------------------------------------------------
    def cookie_names(self):
        return sorted(c["name"] for c in self.d.get_cookies())

    def nonessential_cookies(self):
        return sorted(n for n in self.cookie_names() if not n.startswith("assent_"))

    def decision(self):
        c = self.d.get_cookie(DECISION_COOKIE)
        return json.loads(urllib.parse.unquote(c["value"])) if c else None

    def wait_decision(self, previous=None, message="the decision cookie"):
        """Waits for the decision cookie the widget writes once the server has answered the POST (a
        different one from `previous`, when given)."""
        def got(_):
            d = self.decision()
            return d if d and (previous is None or d != previous) else None
        return self.wait(got, message)

    def wait_record(self, check, message="the server's record"):
        """Polls the server for the latest record of this browser's subject until check(record) holds."""
        subject = self.wait_decision()["s"]

        def ok():
            rec = self.server.subject(subject)
            return rec if check(rec) else None
        return poll(ok, message=message)

    def fetches(self):
        return self.js("return window.__fetches || []")

    def beacons(self):
        return self.js("return window.__beacons || []")

    def api_requests(self):
        """Requests to the widget API (/config, /consents) this page view made: the fetch log and the
        Resource Timing entries."""
        urls = [f["url"] for f in self.fetches()]
        urls += self.js("return performance.getEntriesByType('resource').map(e => e.name)")
        return sorted({u for u in urls if "/config" in u or "/consents" in u})


@pytest.fixture
def browser(server, tmp_path):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
              f"--user-data-dir={tmp_path / 'profile'}", "--no-first-run", "--no-default-browser-check",
              "--disable-dev-shm-usage", "--disable-extensions", "--lang=en-US"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(WAIT)
    try:
        yield Browser(driver, server)
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)


def expected_choices(on):
    """The full choices map the server returns: necessary always, the rest as given."""
    r = {k: k in on for k in CATEGORIES + ["sale"]}
    r["necessary"] = True
    return r
