"""Accessibility of the widget (banner, preference center, placeholder) with axe-core.

The whole page is analysed; violations of impact serious or critical on nodes inside the widget (any
element under a `.assent` root) fail the test. Those on the demo page itself are reported as warnings."""

import warnings

import pytest
from axe_selenium_python import Axe

SEVERE = ("serious", "critical")


def analyse(b):
    axe = Axe(b.d)
    axe.inject()
    results = axe.run()
    widget, page = [], []
    for v in results["violations"]:
        if v.get("impact") not in SEVERE:
            continue
        for n in v["nodes"]:
            target = n["target"]
            # a node inside an iframe has a list of selectors (frame, then element): never the widget's
            inside = len(target) == 1 and b.js(
                "var e = document.querySelector(arguments[0]); return !!(e && e.closest('.assent'))", target[0])
            (widget if inside else page).append(f"{v['id']} ({v['impact']}): {target} {n.get('failureSummary', '')!r}")
    assert results["passes"], "axe ran no checks"
    if page:
        warnings.warn("demo page (not the widget) has serious accessibility issues:\n  " + "\n  ".join(page))
    return widget


@pytest.mark.parametrize("region", ["FR", "US-CA"])
def test_banner_has_no_serious_violations(browser, region):
    b = browser
    b.region(region)
    b.demo()
    b.wait_banner()
    if region == "FR":
        b.wait(lambda d: b.find("figure .assent-ph button") is not None, "the video placeholder")
    assert analyse(b) == []


@pytest.mark.parametrize("gpc", [False, True], ids=["FR", "US-CA-gpc"])
def test_preference_center_has_no_serious_violations(browser, gpc):
    b = browser
    if gpc:
        b.region("US-CA")
        b.gpc()
        b.demo()
        b.wait_decision()  # the GPC opt-out is recorded without a banner
        b.open_preferences("footer [data-assent-do-not-sell]")
        assert b.find("[role=dialog] .assent-g") is not None
    else:
        b.region("FR")
        b.demo()
        b.wait_banner()
        b.click_button("Cookie Preferences", ".assent-b")
        b.wait_dialog()
    # open every cookie list too, so that its contents are analysed
    for s in b.d.find_elements("css selector", "[role=dialog] summary"):
        b.click(s)
    assert b.js("return [...document.querySelectorAll('[role=dialog] details')].every(d => d.open)")
    assert analyse(b) == []
