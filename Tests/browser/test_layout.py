"""The banner overlays the page: it shifts no layout. The probe in conftest records where the page's
content sits at DOMContentLoaded, before the widget may show anything; the banner appears after that."""

import pytest


@pytest.mark.parametrize("region", ["FR", "US-CA", "JP"])
def test_banner_shifts_no_layout(browser, region):
    b = browser
    b.region(region)
    b.demo()
    before = b.wait(lambda d: d.execute_script("return window.__dcl"), "the DOMContentLoaded probe")
    assert before["banner"] is False, "the banner is not shown before DOMContentLoaded"
    assert before["scrollY"] == 0
    banner = b.wait_banner()
    # the widget's stylesheet has applied (the banner is shown only once it has loaded)
    assert b.js("return getComputedStyle(arguments[0]).position", banner) == "fixed"
    after = b.js("""
      var top = function (s) { return document.querySelector(s).getBoundingClientRect().top; };
      return {h1: top('h1'), article: top('article'), h2: top('article h2'), aside: top('aside'), scrollY: window.scrollY};""")
    for k in ("h1", "article", "h2", "aside", "scrollY"):
        assert after[k] == before[k], f"{k} moved from {before[k]} to {after[k]}"
    # and the banner sits at the bottom of the viewport, over the page, not at its top
    rect = b.js("var r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, innerHeight]", banner)
    assert rect[1] == rect[2] and rect[0] > after["h1"]
