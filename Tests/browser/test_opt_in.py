import urllib.request
"""Opt-in (EU, here France via the trusted region header): nothing non-essential before a choice, and
each choice does exactly what it says, on the page, in the cookies, on the server and after a reload."""

import http.server
import threading

import pytest

from conftest import CATEGORIES, DEMO_COOKIES, WAIT, expected_choices

BLOCKED = {"functional": "Preferences: blocked", "performance": "Analytics: blocked",
           "targeting": "Ads: blocked", "social": "Social: blocked"}


def assert_nothing_ran(b):
    assert b.runs() == {k: 0 for k in CATEGORIES}
    assert b.statuses() == BLOCKED
    assert b.nonessential_cookies() == [], b.cookie_names()


def test_before_a_choice_banner_and_nothing_runs(browser):
    b = browser
    b.region("FR")
    b.demo()
    banner = b.wait_banner()
    assert banner.get_dom_attribute("role") == "region"
    assert banner.get_dom_attribute("aria-label") == "We value your privacy"
    assert [x.text for x in banner.find_elements("css selector", "button")] == ["Accept All", "Reject All", "Cookie Preferences"]
    # opt-in: no "Do Not Sell" button in the banner (that is the opt-out regime's)
    assert b.button("Do Not Sell or Share My Personal Information", ".assent-b") is None
    assert_nothing_ran(b)
    # no cookie at all yet, not even the decision: nothing was decided
    assert b.cookie_names() == []
    # the widget fetched its config and recorded nothing
    reqs = b.fetches()
    assert [f["method"] for f in reqs if "/consents" in f["url"]] == []
    assert any("/v1/properties/demo/config" in f["url"] for f in reqs)
    # the social video is held back behind a placeholder
    frame = b.find("iframe[data-assent=social]")
    assert frame.get_dom_attribute("src") is None and not frame.is_displayed()
    assert b.find(".assent-ph") is not None


def choose(b, how):
    if how == "accept_all":
        b.click_button("Accept All", ".assent-b")
    elif how == "reject_all":
        b.click_button("Reject All", ".assent-b")
    else:  # Save Settings with only performance on
        b.click_button("Cookie Preferences", ".assent-b")
        b.wait_dialog()
        for k in CATEGORIES + ["sale"]:  # no pre-ticked boxes under opt-in
            assert not b.switch(k).is_selected(), k
        b.save_settings({"performance"})


@pytest.mark.parametrize("how,on", [
    ("accept_all", {"functional", "performance", "targeting", "social", "sale"}),
    ("reject_all", set()),
    ("save", {"performance"}),
], ids=["accept-all", "reject-all", "save-performance-only"])
def test_choice_does_exactly_what_it_says(browser, server, how, on):
    b = browser
    b.region("FR")
    b.demo()
    b.wait_banner()
    assert_nothing_ran(b)
    choose(b, how)

    ran = {k: int(k in on) for k in CATEGORIES}
    b.wait(lambda d: b.runs() == ran, f"exactly {sorted(on)} to run")
    assert b.banner() is None
    for k in CATEGORIES:
        assert ("running" in b.statuses()[k]) == (k in on), b.statuses()

    # the real server has the decision, for the subject in the decision cookie
    decision = b.wait_decision()
    rec = b.wait_record(lambda r: r["action"] == how)
    assert rec["subject"] == decision["s"]
    assert rec["choices"] == expected_choices(on)
    assert (rec["region"], rec["regime"], rec["gpc"], rec["policyVersion"]) == ("FR", "opt-in", False, 1)
    assert decision["c"] == {k: int(v) for k, v in expected_choices(on).items()}
    assert len(server.history(decision["s"])) == 1, "one click, one record"

    # exactly the cookies of the allowed categories
    assert b.nonessential_cookies() == sorted(DEMO_COOKIES[k] for k in CATEGORIES if k in on)

    # a new page view: the stored decision applies at once, no banner, no API request, each script once
    b.reload()
    b.wait(lambda d: b.runs() == ran, f"exactly {sorted(on)} to run after the reload")
    assert b.banner() is None and b.find(".assent-o") is None
    assert b.api_requests() == [], "a stored decision must not fetch /config or post /consents"
    b.wait(lambda d: b.js("return document.readyState") == "complete", "the load event")
    assert b.runs() == ran, "scripts run once per page view, not again on load"
    assert b.api_requests() == []
    if "performance" in on:  # the analytics script counted two page views: one run per view
        assert b.d.get_cookie("demo_analytics")["value"] == "2"
    assert b.nonessential_cookies() == sorted(DEMO_COOKIES[k] for k in CATEGORIES if k in on)
    assert len(server.history(decision["s"])) == 1, "a reload records nothing"


def test_revoking_performance_deletes_its_cookie(browser, server):
    b = browser
    b.region("FR")
    b.demo()
    b.wait_banner()
    b.click_button("Accept All", ".assent-b")
    first = b.wait_decision()
    b.wait_record(lambda r: r["action"] == "accept_all")
    assert b.d.get_cookie("demo_analytics") is not None

    b.open_preferences("footer [data-assent-preferences]")
    assert b.switch("performance").is_selected(), "the preference center shows the current choice"
    b.click(b.switch("performance"))
    assert b.switch("performance").get_dom_attribute("aria-checked") == "false"
    b.click_button("Save Settings")

    b.wait(lambda d: d.get_cookie("demo_analytics") is None, "demo_analytics to be deleted")
    assert b.nonessential_cookies() == ["demo_ads", "demo_lang", "demo_social"]
    rec = b.wait_record(lambda r: r["action"] == "save")
    assert rec["subject"] == first["s"], "withdrawing reuses the subject"
    assert rec["choices"] == expected_choices({"functional", "targeting", "social", "sale"})
    assert [h["action"] for h in server.history(first["s"])] in (["accept_all", "save"], ["save", "accept_all"])

    b.reload()
    b.wait(lambda d: b.runs() == {"functional": 1, "performance": 0, "targeting": 1, "social": 1}, "the runs after reload")
    assert b.d.get_cookie("demo_analytics") is None


def test_dynamically_added_script_runs_once_allowed_exactly_once(browser):
    b = browser
    b.region("FR")
    b.demo()
    b.wait_banner()
    add = """
      var s = document.createElement('script');
      s.type = 'text/plain'; s.setAttribute('data-assent', arguments[0]);
      // the demo's Content-Security-Policy runs inline scripts by the page's nonce, as a publisher's page would
      s.nonce = document.querySelector('script[data-assent]').nonce;
      s.text = 'window[' + JSON.stringify(arguments[1]) + '] = (window[' + JSON.stringify(arguments[1]) + '] || 0) + 1';
      document.body.appendChild(s);"""
    b.js(add, "performance", "__dyn")
    b.js(add, "targeting", "__dynAds")
    # the observer has seen both nodes (mutation records are delivered before the next task)
    assert b.js("return window.__dyn") is None, "must not run before performance is allowed"
    assert b.js("return document.querySelectorAll('script[data-assent-ran]').length") == 0

    b.click_button("Cookie Preferences", ".assent-b")
    b.wait_dialog()
    b.save_settings({"performance"})
    b.wait(lambda d: b.js("return window.__dyn") == 1, "the dynamic script to run")
    assert b.js("return window.__dynAds") is None, "a denied category's dynamic script stays inert"
    assert b.runs() == {"functional": 0, "performance": 1, "targeting": 0, "social": 0}

    # one added after the choice runs at once; later decisions run nothing twice
    b.js(add, "performance", "__dyn2")
    b.wait(lambda d: b.js("return window.__dyn2") == 1, "a script added after the choice to run")
    b.open_preferences()
    b.click_button("Allow All")
    b.wait(lambda d: b.runs()["targeting"] == 1 and b.js("return window.__dynAds") == 1, "targeting to run")
    assert b.js("return [window.__dyn, window.__dyn2, window.__dynAds]") == [1, 1, 1]
    assert b.runs() == {k: 1 for k in CATEGORIES}


class HeldPage:
    """A publisher page, on a server of its own, whose body stops inside a gated script until the widget has
    started: the widget is sent once the parser has reached that script, and the rest of the page once the widget
    asks its origin for the config. A stored decision then applies while the script is still arriving, as on a
    reload (the widget comes from the cache and starts while the page is still parsed)."""

    HEAD = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Held page</title>
<script src="/assent.js" data-property="demo" async></script>
</head><body>
<p>Above the held script.</p>
<script>fetch("/parsed")</script>
<script type="text/plain" data-assent="performance">
window.heldRuns = (window.heldRuns || 0) + 1;
"""
    TAIL = """window.heldComplete = true;
</script>
<p>Below the held script.</p>
</body></html>
"""

    def __init__(self, widget):
        self.widget = widget
        self.parsed, self.started = threading.Event(), threading.Event()
        self.held_until_started = None
        page = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/page":
                    self.answer(200, "text/html; charset=utf-8", page.HEAD.encode())
                    page.held_until_started = page.started.wait(WAIT)
                    self.wfile.write(page.TAIL.encode())
                elif self.path == "/assent.js":
                    page.parsed.wait(WAIT)
                    self.answer(200, "text/javascript", page.widget)
                else:
                    if self.path == "/parsed":
                        page.parsed.set()
                    elif self.path.startswith("/v1/"):  # the widget asks its origin for the config: it has started
                        page.started.set()
                    self.answer(404, "application/json", b"{}")

            def answer(self, status, content_type, body):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/page"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_script_still_arriving_when_the_widget_starts_runs_once_in_full(browser, server):
    """The widget once put the IAB locator frames at the end of the body while the page was still parsed: a gated
    script then open looked complete (something followed it) and ran cut short, and its whole text never ran.
    With a stored decision that happened on a reload now and then (the analytics of the demo never ran)."""
    b = browser
    b.region("FR")
    b.demo()
    b.wait_banner()
    b.click_button("Accept All", ".assent-b")
    b.wait_decision()  # the decision cookie is the host's, so the held page on another port has it too
    with urllib.request.urlopen(server.base + "/assent.js", timeout=WAIT) as r:
        page = HeldPage(r.read())
    try:
        b.d.get(page.url)
        b.wait(lambda d: b.js("return window.heldComplete === true"), "the held script to run in full")
        assert page.held_until_started, "the widget must start while the script is still arriving"
        assert b.js("return window.heldRuns") == 1
        assert b.js("return document.querySelectorAll('script[data-assent-ran]').length") == 1
    finally:
        page.close()


def test_video_placeholder_allows_social(browser):
    b = browser
    b.region("FR")
    b.demo()
    b.wait_banner()
    frame = b.find("iframe[data-assent=social]")
    ph = b.wait(lambda d: (p := b.find("figure .assent-ph")) and "Allow Social Media" in p.text and p, "the placeholder")
    assert "This content is blocked until you allow Social Media." in ph.text
    assert frame.get_dom_attribute("src") is None and not frame.is_displayed()
    assert b.runs()["social"] == 0

    b.click_button("Allow Social Media", "figure .assent-ph")
    b.wait(lambda d: (frame.get_dom_attribute("src") or "").endswith("/demo/video.html"), "the iframe to get its src")
    b.wait(lambda d: frame.is_displayed() and b.find("figure .assent-ph") is None, "the placeholder to go")
    b.wait(lambda d: b.js("var w = arguments[0].contentWindow; return !!w && w.location.pathname == '/demo/video.html'"
                          " && w.document.readyState == 'complete'", frame), "the video page to load")
    assert b.runs() == {"functional": 0, "performance": 0, "targeting": 0, "social": 1}
    assert b.banner() is None, "the placeholder's button is a decision: the banner goes"
    rec = b.wait_record(lambda r: r["action"] == "save")
    assert rec["choices"] == expected_choices({"social"})
    assert b.nonessential_cookies() == ["demo_social"]


def test_revoking_social_blocks_the_video_again(browser):
    b = browser
    b.region("FR")
    b.demo()
    b.wait_banner()
    b.click_button("Accept All", ".assent-b")
    frame = b.find("iframe[data-assent=social]")
    b.wait(lambda d: frame.get_dom_attribute("src") == "/demo/video.html" and frame.is_displayed(), "the video")
    b.wait_decision()
    b.open_preferences()
    b.save_settings({"functional", "performance", "targeting", "sale"})
    b.wait(lambda d: frame.get_dom_attribute("src") is None and not frame.is_displayed(), "the video to be unloaded")
    assert b.find("figure .assent-ph") is not None
    b.wait(lambda d: d.get_cookie("demo_social") is None, "demo_social to be deleted")
    rec = b.wait_record(lambda r: r["action"] == "save")
    assert rec["choices"]["social"] is False


def test_cookie_policy_link_resolves(browser, server):
    b = browser
    b.region("FR")
    b.demo()
    b.wait_banner()
    b.click_button("Cookie Preferences", ".assent-b")
    b.wait_dialog()
    link = b.find("[role=dialog] a[href]")
    assert link.text == "Cookie Policy"
    href = link.get_dom_attribute("href")
    assert href == server.base + "/demo/cookies.html"
    with urllib.request.urlopen(href, timeout=10) as r:
        assert r.status == 200, href
        assert "Cookie Policy" in r.read().decode()
