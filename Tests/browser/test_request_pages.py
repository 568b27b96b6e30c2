"""The requester's pages in Chromium with JavaScript turned off: filing an access request, the status page
the mailed link opens, and confirming the address with the code from the mail (read from the outbox the server
writes to when no SMTP server is configured). Then axe-core on the same pages (with JavaScript on, which axe
needs; the pages themselves have no script)."""

import os
import re
import shutil

import pytest
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from conftest import CHROMEDRIVER, CHROMIUM, poll


def make_driver(tmp_path, javascript):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
              f"--user-data-dir={tmp_path / ('js' if javascript else 'nojs')}", "--no-first-run",
              "--disable-dev-shm-usage", "--disable-extensions", "--lang=en-US"):
        opts.add_argument(a)
    if not javascript:
        opts.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def nojs(tmp_path):
    driver = make_driver(tmp_path, javascript=False)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "nojs", ignore_errors=True)


def outbox_code(server, address):
    outbox = server.data_dir / "outbox"

    def find():
        for name in sorted(os.listdir(outbox)) if outbox.exists() else []:
            text = (outbox / name).read_text()
            if f"To: {address}" in text:
                match = re.search(r"^\s+(\d{6})\s*$", text, re.M)
                if match:
                    return match.group(1)
        return None

    return poll(find, message=f"a code mailed to {address}")


def test_access_request_and_code_without_javascript(server, nojs):
    d = nojs
    # JavaScript really is off: the demo page's widget never shows its banner.
    d.get(server.base + "/demo/?region=FR")
    assert d.find_elements(By.CSS_SELECTOR, ".assent-b") == []

    d.get(server.base + "/privacy/demo/requests")
    assert d.find_element(By.TAG_NAME, "h1").text == "Exercise your privacy rights"
    d.find_element(By.CSS_SELECTOR, "input[name=type][value=access]").click()
    d.find_element(By.ID, "email").send_keys("nojs@example.org")
    d.find_element(By.ID, "name").send_keys("No Script")
    d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    poll(lambda: "/privacy/demo/status/" in d.current_url, message="the status page")
    assert "We received your request" in d.find_element(By.CSS_SELECTOR, "[role=status]").text
    assert "Received" in d.find_element(By.TAG_NAME, "dl").text

    d.find_element(By.ID, "code").send_keys("abcdef")
    d.find_element(By.CSS_SELECTOR, "form[action*='/verify'] button").click()
    # The click navigates: wait for the answer page rather than reading the old one.
    alert = poll(lambda: d.find_elements(By.CSS_SELECTOR, "[role=alert]"), message="the wrong-code message")
    assert alert[0].text == "That code is not right. Attempts left: 4."

    d.find_element(By.ID, "code").send_keys(outbox_code(server, "nojs@example.org"))
    d.find_element(By.CSS_SELECTOR, "form[action*='/verify'] button").click()
    poll(lambda: "done=verified" in d.current_url, message="the confirmation")
    assert "Address confirmed" in d.find_element(By.TAG_NAME, "dl").text
    assert d.find_elements(By.ID, "code") == [], "no code form once confirmed"


def test_fields_follow_the_chosen_type_without_javascript(server, nojs):
    d = nojs
    d.get(server.base + "/privacy/demo/requests")
    name, correction = d.find_element(By.ID, "name"), d.find_element(By.ID, "correction")
    assert name.is_displayed() and correction.is_displayed(), "before a choice, every data point shows"
    shown = {}
    for kind in ("opt_out_lists", "access", "correct"):
        d.find_element(By.CSS_SELECTOR, f"input[name=type][value={kind}]").click()
        shown[kind] = (name.is_displayed(), correction.is_displayed())
    assert shown == {"opt_out_lists": (False, False), "access": (True, False), "correct": (True, True)}


def test_missing_choice_keeps_what_was_typed(server, nojs):
    d = nojs
    d.get(server.base + "/privacy/demo/requests?lang=es")
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    d.find_element(By.ID, "email").send_keys("kept@example.org")
    # The browser's own check would stop an empty radio group: submit past it, as a script-less client might.
    d.execute_cdp_cmd("Runtime.evaluate", {"expression": "document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))"})
    d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    alert = poll(lambda: d.find_elements(By.CSS_SELECTOR, "[role=alert]"), message="the missing-choice message")
    assert alert[0].text == "Elija qué quiere que hagamos."
    assert d.find_element(By.ID, "email").get_attribute("value") == "kept@example.org"


def test_pages_have_no_serious_accessibility_violations(server, tmp_path):
    d = make_driver(tmp_path, javascript=True)
    try:
        for path in ("/privacy/demo/requests", "/privacy/demo/requests?lang=es"):
            d.get(server.base + path)
            axe = Axe(d)
            axe.inject()
            results = axe.run()
            assert results["passes"], "axe ran no checks"
            severe = [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results["violations"]
                      if v.get("impact") in ("serious", "critical")]
            assert severe == [], path
    finally:
        d.quit()


def test_do_not_sell_page_opts_the_browser_out_and_the_widget_follows(server, tmp_path):
    d = make_driver(tmp_path, javascript=False)
    try:
        d.get(server.base + "/privacy/demo/do-not-sell")
        d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        poll(lambda: "done=1" in d.current_url, message="the confirmation")
        assert "opted out" in d.find_element(By.CSS_SELECTOR, "[role=status]").text
        cookie = d.get_cookie("assent_demo")
        assert cookie, "the decision cookie the widget reads"
    finally:
        d.quit()
    # The same cookie in a browser with JavaScript: the widget applies it without asking again.
    js = make_driver(tmp_path, javascript=True)
    try:
        js.get(server.base + "/healthz")
        js.add_cookie({"name": cookie["name"], "value": cookie["value"], "path": "/"})
        js.get(server.base + "/demo/")
        choices = poll(lambda: js.execute_script("return window.assent && window.assent.choices()"),
                       message="the widget's choices")
        assert choices["sale"] is False and choices["targeting"] is False
        assert js.find_elements(By.CSS_SELECTOR, ".assent-b") == [], "no banner: the choice is already made"
    finally:
        js.quit()
