"""The console's scans and API tokens pages in Chromium against the real server: an owner (made with
`assent admin user create`) starts a scan of the demo page from the scans page, watches its page reload itself
until it is done (no script: a Refresh header) and reads its report; makes an API token, sees its secret once,
and revokes it. axe-core finds no violation of any impact on each of these pages in English and Spanish, and
none scrolls sideways at 200% zoom."""

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import poll
from test_console import driver, no_sideways_scroll, submit, violations, wait_path  # noqa: F401 (fixture)
from test_console_requests import create_account


def test_an_owner_scans_the_demo_and_manages_tokens(own_server, driver):
    d = driver
    base = own_server.base
    password = create_account(own_server, "owen@example.org", "owner")
    d.get(base + "/admin/sign-in")
    submit(d, {"email": "owen@example.org", "password": password})
    wait_path(d, "/admin/")

    # The scans page, then a scan of the demo page in an opt-in region, one page deep.
    d.get(base + "/admin/scans?property=demo")
    assert violations(d) == []
    form = "form[method=post][action='/admin/scans']"
    submit(d, {"startURLs": base + "/demo/", "regions": "FR", "maxPages": "1", "depth": "0"}, form=form)
    WebDriverWait(d, 30).until(lambda d: "/admin/scans/" in d.current_url)
    scan_page = d.current_url.split("?")[0]
    assert violations(d) == [], "the scan's page while it waits or runs"

    # The page reloads itself until the scan is done (the Refresh header; nothing to click).
    def finished():
        try:
            status = d.find_element(By.CSS_SELECTOR, "main dl dd").text
        except WebDriverException:  # between two loads of the page
            return None
        return status in ("done", "failed") and status
    assert poll(finished, timeout=180, message="the scan to finish") == "done"
    text = d.find_element(By.TAG_NAME, "main").text
    assert "Proposed cookie list" in text
    assert "No violation." in text, "the demo scans clean"
    links = [a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "main a")]
    assert any(h.endswith("/report") for h in links) and any(h.endswith("/admin/properties/demo") for h in links)

    # A weekly schedule.
    d.get(base + "/admin/scans?property=demo")
    d.find_element(By.CSS_SELECTOR, "#schedule-every option[value=weekly]").click()
    submit(d, {"startURLs": base + "/demo/"}, form="form[action='/admin/scans/schedule']")
    WebDriverWait(d, 30).until(lambda d: "done=scanScheduleSaved" in d.current_url)
    assert d.find_element(By.CSS_SELECTOR, "[role=status]").text == "The schedule was saved."

    # A token: its secret shown once, then revoked.
    d.get(base + "/admin/tokens")
    assert violations(d) == []
    submit(d, {"label": "CI deploy"}, form="form[action='/admin/tokens']")
    secret = d.find_element(By.ID, "secret").get_attribute("value")
    assert secret.startswith("asnt_")
    assert violations(d) == [], "the tokens page with the new secret"
    d.get(base + "/admin/tokens")
    assert secret not in d.page_source
    d.find_element(By.CSS_SELECTOR, "form[action$='/revoke'] button").click()
    WebDriverWait(d, 30).until(lambda d: "done=tokenRevoked" in d.current_url)
    assert d.find_element(By.CSS_SELECTOR, "[role=status]").text == "The token was revoked: it no longer works."

    pages = ["/admin/scans?property=demo", scan_page.removeprefix(base), "/admin/tokens"]
    for lang in ("en", "es"):
        for page in pages:
            d.get(base + page + ("&" if "?" in page else "?") + f"lang={lang}")
            assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
            assert violations(d) == [], f"{page} in {lang}"
    d.get(base + "/admin/?lang=en")
    d.set_window_size(640, 900)
    for page in pages:
        d.get(base + page)
        assert no_sideways_scroll(d), page
    d.set_window_size(1280, 900)
