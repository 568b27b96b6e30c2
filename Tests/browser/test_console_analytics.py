"""The console's overview and analytics pages in Chromium against the real server, with decisions and banner
beacons recorded over HTTP as visitors make them: the charts are drawn (named images, each above its data table),
the CSV downloads are links, axe-core finds no violation (of any impact) in English and Spanish, and at 640 CSS
pixels wide (1280 at 200% zoom) nothing scrolls sideways."""

import json
import urllib.request

from selenium.webdriver.common.by import By

from test_console import PASSWORD, driver, no_sideways_scroll, setup_link, submit, violations, wait_path  # noqa: F401


def post(server, path, body, region):
    req = urllib.request.Request(
        server.base + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Assent-Region": region})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def test_overview_and_analytics_pages(own_server, driver):  # noqa: F811
    d = driver
    base = own_server.base
    for _ in range(16):
        assert post(own_server, "/v1/properties/demo/events",
                    {"event": "banner_shown", "policyVersion": 1, "lang": "fr"}, "FR") == 204
    for i in range(12):
        action = "reject_all" if i % 3 == 0 else "accept_all"
        assert post(own_server, "/v1/properties/demo/consents",
                    {"action": action, "policyVersion": 1, "lang": "fr"}, "FR") == 201

    d.get(setup_link(own_server))
    submit(d, {"email": "owner@example.org", "name": "Olga Owner", "password": PASSWORD})
    wait_path(d, "/admin/")
    row = d.find_element(By.CSS_SELECTOR, "table.overview tbody tr").text
    assert "16" in row and "12" in row and "66.7%" in row, row
    assert "12 records in the ledger." in d.find_element(By.TAG_NAME, "main").text

    d.find_element(By.LINK_TEXT, "Analytics").click()
    wait_path(d, "/admin/analytics")
    charts = d.find_elements(By.CSS_SELECTOR, "svg.chart[role=img]")
    assert len(charts) == 3
    assert all(c.get_attribute("aria-label") for c in charts)
    assert all(c.size["width"] > 300 for c in charts)
    links = [a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "a[download]")]
    assert len(links) == 4 and all("/admin/analytics.csv?property=demo" in h for h in links), links

    pages = ["/admin/", "/admin/analytics", "/admin/analytics?property=demo&from=2026-01-01&to=2026-01-31",
             "/admin/analytics?property=demo&from=bad"]
    for lang in ("en", "es"):
        for page in pages:
            d.get(base + page + ("&" if "?" in page else "?") + f"lang={lang}")
            assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
            assert violations(d) == [], f"{page} in {lang}"
    d.set_window_size(640, 900)
    for page in pages:
        d.get(base + page)
        assert no_sideways_scroll(d), page
    d.set_window_size(1280, 900)
