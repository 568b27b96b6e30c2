"""Opt-out (California) with and without Global Privacy Control, notice-only regions, GPC under opt-in,
and the demo page's region switcher."""

import pytest

from conftest import CATEGORIES, DEMO_COOKIES, expected_choices

DNS = "Do Not Sell or Share My Personal Information"
ALL_RUN = {k: 1 for k in CATEGORIES}


def test_opt_out_runs_defaults_before_any_click(browser, server):
    b = browser
    b.region("US-CA")
    b.demo()
    b.wait_banner()
    b.wait(lambda d: b.runs() == ALL_RUN, "the opt-out defaults to run")
    assert all("running" in s for s in b.statuses().values()), b.statuses()
    assert b.nonessential_cookies() == sorted(DEMO_COOKIES.values())
    assert b.find("iframe[data-assent=social]").get_dom_attribute("src") == "/demo/video.html"
    # the opt-out link, in the banner and in the footer
    assert b.button(DNS, ".assent-b") is not None
    assert b.find("footer [data-assent-do-not-sell]").text == DNS
    # nothing is recorded until the visitor acts
    assert b.decision() is None
    assert [f for f in b.fetches() if "/consents" in f["url"]] == []

    # "Do Not Sell" opens the preference center at the sale switch, which is on by default
    b.click_button(DNS, ".assent-b")
    b.wait_dialog()
    assert b.js("return document.activeElement.id") == "assent-k-sale"
    for k in CATEGORIES + ["sale"]:
        assert b.switch(k).is_selected(), k
    b.save_settings({"functional", "performance", "targeting", "social"})
    rec = b.wait_record(lambda r: r["action"] == "save")
    assert rec["choices"] == expected_choices({"functional", "performance", "targeting", "social"})
    assert (rec["region"], rec["regime"], rec["gpc"]) == ("US-CA", "opt-out", False)
    assert b.banner() is None
    assert b.runs() == ALL_RUN, "nothing runs twice"


def test_opt_out_with_gpc_never_runs_targeting(browser, server):
    b = browser
    b.region("US-CA")
    b.gpc()
    b.demo()
    assert b.js("return navigator.globalPrivacyControl") is True
    # the widget records the GPC opt-out itself, without a banner
    rec = b.wait_record(lambda r: r["action"] == "gpc")
    assert rec["gpc"] is True
    assert rec["choices"] == expected_choices({"functional", "performance", "social"})
    assert (rec["region"], rec["regime"]) == ("US-CA", "opt-out")
    assert b.decision()["g"] == 1
    b.wait(lambda d: b.runs() == {"functional": 1, "performance": 1, "targeting": 0, "social": 1}, "the non-GPC defaults to run")
    assert b.banner() is None
    assert b.d.get_cookie("demo_ads") is None
    assert b.statuses()["targeting"] == "Ads: blocked"
    assert "filled" not in (b.find("#ad-slot").get_dom_attribute("class") or "")

    b.open_preferences("footer [data-assent-do-not-sell]")
    note = b.find("[role=dialog] .assent-g")
    assert note is not None and note.text == "Global Privacy Control signal honoured"
    for k in ("sale", "targeting"):
        assert not b.switch(k).is_selected(), k
        assert b.switch(k).get_dom_attribute("disabled") is not None, k
    for k in ("functional", "performance", "social"):
        assert b.switch(k).is_selected(), k

    # even "Allow All" cannot turn targeting or sale on while the signal is sent
    first = rec["id"]
    b.click_button("Allow All")
    rec = b.wait_record(lambda r: r["id"] != first)
    assert rec["action"] == "accept_all" and rec["gpc"] is True
    assert rec["choices"]["targeting"] is False and rec["choices"]["sale"] is False
    assert b.runs()["targeting"] == 0

    b.reload()
    b.wait(lambda d: b.runs() == {"functional": 1, "performance": 1, "targeting": 0, "social": 1}, "the runs after reload")
    assert b.d.get_cookie("demo_ads") is None
    assert b.banner() is None


def test_gpc_under_opt_in_still_asks_and_keeps_targeting_off(browser):
    b = browser
    b.region("FR")
    b.gpc()
    b.demo()
    b.wait_banner()
    assert b.runs() == {k: 0 for k in CATEGORIES}
    b.click_button("Accept All", ".assent-b")
    rec = b.wait_record(lambda r: r["action"] == "accept_all")
    assert rec["gpc"] is True
    assert rec["choices"] == expected_choices({"functional", "performance", "social"})
    b.wait(lambda d: b.runs() == {"functional": 1, "performance": 1, "targeting": 0, "social": 1}, "all but targeting to run")
    assert b.d.get_cookie("demo_ads") is None


@pytest.mark.parametrize("region", ["BR", "JP"])
def test_notice_region_informs_and_allows_defaults(browser, region):
    b = browser
    b.region(region)
    b.demo()
    banner = b.wait_banner()
    assert "We value your privacy" in banner.text
    assert b.button(DNS, ".assent-b") is None, "no sale opt-out link outside opt-out regions"
    b.wait(lambda d: b.runs() == ALL_RUN, "the defaults to run under notice")
    assert b.nonessential_cookies() == sorted(DEMO_COOKIES.values())
    assert b.decision() is None, "a notice is not a decision"
    assert [f for f in b.fetches() if "/consents" in f["url"]] == []
    b.click_button("Accept All", ".assent-b")
    rec = b.wait_record(lambda r: r["action"] == "accept_all")
    assert (rec["region"], rec["regime"]) == (region, "notice")
    assert b.runs() == ALL_RUN, "accepting what already runs runs nothing twice"


def test_demo_region_switcher(browser, server):
    b = browser  # no region header: the server's default region (US-CA), then the demo's own switcher
    b.demo()
    b.wait_banner()
    b.wait(lambda d: b.runs() == ALL_RUN, "the default region's (opt-out) defaults to run")
    assert b.button(DNS, ".assent-b") is not None
    assert "demo_analytics" in b.cookie_names()
    assert b.find("nav.top [aria-current]") is None

    link = next(a for a in b.d.find_elements("css selector", "nav.top a") if a.text == "FR")
    assert link.get_dom_attribute("href") == "?region=FR"
    b.click(link)
    b.wait(lambda d: d.current_url.endswith("/demo/?region=FR"), "the FR page")
    b.wait(lambda d: d.execute_script("return document.readyState != 'loading' && !!window.assent"), "the widget")
    b.wait_banner()
    assert b.find("nav.top [aria-current=page]").text == "FR"
    assert b.find("nav.top strong").text == "FR"
    assert b.button(DNS, ".assent-b") is None
    assert b.runs() == {k: 0 for k in CATEGORIES}
    assert b.nonessential_cookies() == [], "the switcher clears the demo cookies; opt-in sets none"
    assert any("region=FR" in f["url"] for f in b.fetches() if "/config" in f["url"])

    b.click_button("Reject All", ".assent-b")
    rec = b.wait_record(lambda r: r["action"] == "reject_all")
    assert (rec["region"], rec["regime"]) == ("FR", "opt-in")
    assert rec["choices"] == expected_choices(set())


def test_region_change_is_not_served_a_cached_opt_out_config(browser):
    b = browser
    b.region("US-CA")  # first page view from California: no decision made, scripts run by default
    b.demo()
    b.wait_banner()
    b.wait(lambda d: b.runs() == ALL_RUN, "the opt-out defaults to run")
    assert b.decision() is None
    b.region("FR")  # the next page view comes from France (travel, VPN, a CDN edge elsewhere)
    b.demo()
    b.wait_banner()
    assert b.runs() == {k: 0 for k in CATEGORIES}, "opt-in: nothing may run before a choice"
    assert b.button(DNS, ".assent-b") is None
    assert any("/config" in f["url"] for f in b.fetches()), "no decision: the regime must come from the server"
    assert b.nonessential_cookies() == [], "the denied categories' first-party cookies are purged"


def test_gpc_overrides_a_stored_decision(browser, server):
    b = browser
    b.region("US-CA")
    b.demo()
    b.wait_banner()
    b.click_button("Accept All", ".assent-b")
    first = b.wait_record(lambda r: r["action"] == "accept_all")
    assert first["choices"]["targeting"] is True and first["gpc"] is False
    # the visitor turns Global Privacy Control on: the next page view honours it and records it
    b.gpc()
    b.reload()
    rec = b.wait_record(lambda r: r["action"] == "gpc")
    assert rec["subject"] == first["subject"] and rec["gpc"] is True
    assert rec["choices"] == expected_choices({"functional", "performance", "social"})
    b.wait(lambda d: b.runs() == {"functional": 1, "performance": 1, "targeting": 0, "social": 1}, "all but targeting to run")
    b.wait(lambda d: d.get_cookie("demo_ads") is None, "the targeting cookie to be purged")
    assert b.banner() is None
