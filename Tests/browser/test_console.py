"""The admin console in Chromium against the real server: the owner is created from the set-up link the
server logs on its first start, signs in, and axe-core finds no violation (of any impact) on the sign-in,
overview, people and audit pages, in English and Spanish. At 640 CSS pixels wide (1280 at 200% zoom) no page
scrolls sideways."""

import re
import shutil

import pytest
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CHROMEDRIVER, CHROMIUM, WAIT, poll

PASSWORD = "correct horse battery staple"


def console_browser(profile):
    """A headless Chromium for the console, with the profile directory given."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
              f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
              "--disable-dev-shm-usage", "--disable-extensions", "--lang=en-US"):
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    d.set_page_load_timeout(30)
    return d


@pytest.fixture
def driver(tmp_path):
    d = console_browser(tmp_path / "console-profile")
    try:
        yield d
    finally:
        d.quit()
        shutil.rmtree(tmp_path / "console-profile", ignore_errors=True)


def setup_link(server):
    def found():
        m = re.search(r"setup=(http://\S+/admin/setup/[A-Za-z0-9_-]+)", server.log())
        return m and m.group(1)
    return poll(found, message="the set-up link in the server's log")


def violations(d):
    axe = Axe(d)
    axe.inject()
    results = axe.run()
    assert results["passes"], "axe ran no checks"
    return [f"{v['id']} ({v.get('impact')}): {[n['target'] for n in v['nodes']]}" for v in results["violations"]]


def submit(d, fields, button="button[type=submit]", form=None):
    scope = d.find_element(By.CSS_SELECTOR, form) if form else d
    for name, value in fields.items():
        box = scope.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)
    page = d.find_element(By.TAG_NAME, "html")
    scope.find_element(By.CSS_SELECTOR, button).click()
    # Every form posts and the answer is a new page (no script): wait until the old one is gone, so what the
    # caller reads next is the answer, not the form it just sent.
    WebDriverWait(d, WAIT).until(lambda _: gone(page))


def gone(element):
    """Whether the element's document was replaced. While it is being replaced, Chromium may also answer that the
    element's context no longer exists, which says the same."""
    try:
        element.is_enabled()
        return False
    except WebDriverException:
        return True


def wait_path(d, path):
    WebDriverWait(d, WAIT).until(lambda d: d.current_url.split("?")[0].endswith(path))


def no_sideways_scroll(d):
    return d.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def test_owner_from_the_set_up_link_and_pages_without_violations(own_server, driver):
    d = driver
    base = own_server.base
    d.get(setup_link(own_server))
    assert d.find_element(By.TAG_NAME, "h1").text == "Create the owner account"
    assert violations(d) == []
    submit(d, {"email": "owner@example.org", "name": "Olga Owner", "password": PASSWORD})
    wait_path(d, "/admin/")
    assert "owner@example.org" in d.find_element(By.CSS_SELECTOR, ".who").text
    assert d.find_element(By.CSS_SELECTOR, "main table code").text == "demo"

    # The link was spent.
    d.get(setup_link(own_server))
    assert d.find_element(By.TAG_NAME, "h1").text == "Set-up link not valid"

    # Add an editor, so the people and audit pages have rows.
    d.get(base + "/admin/people")
    submit(d, {"email": "ed@example.org", "name": "Ed Editor", "password": PASSWORD},
           form="form[action='/admin/people']")
    WebDriverWait(d, WAIT).until(lambda d: "done=created" in d.current_url)
    assert d.find_element(By.CSS_SELECTOR, "[role=status]").text == "The account was created."
    assert "ed@example.org" in d.find_element(By.CSS_SELECTOR, "table").text

    pages = ["/admin/", "/admin/people", "/admin/audit", "/admin/audit?action=account.create"]
    for lang in ("en", "es"):
        for page in pages:
            d.get(base + page + ("&" if "?" in page else "?") + f"lang={lang}")
            assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
            assert violations(d) == [], f"{page} in {lang}"
    d.get(base + "/admin/?lang=en")

    # Keyboard: the skip link is the first stop and leads to the main content.
    d.find_element(By.TAG_NAME, "body").send_keys("\ue004")  # Tab
    assert d.switch_to.active_element.get_attribute("class") == "skip"

    # 200% zoom of a 1280-pixel window: 640 CSS pixels; nothing scrolls sideways.
    d.set_window_size(640, 900)
    for page in pages:
        d.get(base + page)
        assert no_sideways_scroll(d), page
    d.set_window_size(1280, 900)

    # Sign out, then the sign-in page, a wrong password, and a good one.
    d.get(base + "/admin/")
    d.find_element(By.CSS_SELECTOR, "form[action='/admin/sign-out'] button").click()
    wait_path(d, "/admin/sign-in")
    assert violations(d) == []
    submit(d, {"email": "owner@example.org", "password": "not the password"})
    assert d.find_element(By.CSS_SELECTOR, "[role=alert]").text == "The email address or password is wrong."
    assert violations(d) == []
    submit(d, {"email": "owner@example.org", "password": PASSWORD})
    wait_path(d, "/admin/")

    # The audit log recorded it all, with where it came from.
    d.get(base + "/admin/audit")
    text = d.find_element(By.CSS_SELECTOR, "table").text
    for action in ("account.create", "session.sign_in", "session.sign_out"):
        assert action in text
    assert "127.0.0.1" in text
