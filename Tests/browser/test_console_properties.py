"""The console's property pages in Chromium against the real server: an editor changes a category's title in
Spanish and the demo page in Spanish shows it; a second editor's stale save is refused and overwrites nothing;
the preview frames the real widget with the unsaved draft; axe-core finds no violation on the property list, a
property's page, a part's form, the preview and the history, in English and Spanish."""

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import WAIT
from test_console import PASSWORD, console_browser, driver, setup_link, submit, violations, wait_path  # noqa: F401

TITLE = "Medición de audiencia (revisada)"


@pytest.fixture
def second(tmp_path):
    """A second editor's browser, with a profile of its own."""
    d = console_browser(tmp_path / "second-profile")
    try:
        yield d
    finally:
        d.quit()


def sign_in(d, base, email):
    d.get(base + "/admin/sign-in?lang=en")
    submit(d, {"email": email, "password": PASSWORD})
    wait_path(d, "/admin/")


def field(d, name):
    return d.find_element(By.NAME, name)


def save(d):
    d.find_element(By.CSS_SELECTOR, "form.editor .actions button:not([formaction])").click()


def test_an_editor_edits_previews_and_is_refused_a_stale_save(own_server, driver, second):  # noqa: F811
    d, base = driver, own_server.base
    d.get(setup_link(own_server))
    submit(d, {"email": "owner@example.org", "name": "Olga", "password": PASSWORD})
    wait_path(d, "/admin/")
    for email in ("ed@example.org", "eva@example.org"):
        d.get(base + "/admin/people")
        submit(d, {"email": email, "name": email, "password": PASSWORD}, form="form[action='/admin/people']")
        WebDriverWait(d, WAIT).until(lambda d: "done=created" in d.current_url)
    d.find_element(By.CSS_SELECTOR, "form[action='/admin/sign-out'] button").click()
    wait_path(d, "/admin/sign-in")
    sign_in(d, base, "ed@example.org")

    # The list and the property's page, by the navigation.
    d.find_element(By.LINK_TEXT, "Properties").click()
    wait_path(d, "/admin/properties")
    d.find_element(By.CSS_SELECTOR, "a[href='/admin/properties/demo']").click()
    wait_path(d, "/admin/properties/demo")

    # The Spanish title of the analytics category, in the categories form in Spanish.
    d.get(base + "/admin/properties/demo/edit/categories?lang=es")
    key = next(e for e in d.find_elements(By.CSS_SELECTOR, "input[name$='.key']")
               if e.get_attribute("value") == "performance")
    index = re.search(r"\[(\d+)\]", key.get_attribute("name")).group(1)
    title = field(d, f"s:$.categories[{index}].title.es")
    assert title.get_attribute("lang") == "es"
    title.clear()
    title.send_keys(TITLE)
    save(d)
    WebDriverWait(d, WAIT).until(lambda d: "saved=" in d.current_url)
    assert f"$.categories[{index}].title.es" in d.find_element(By.CSS_SELECTOR, "#main").text
    assert TITLE in d.find_element(By.CSS_SELECTOR, "#main table").text

    # The demo page in Spanish shows it in the preference center.
    d.get(base + "/demo/?lang=es&region=FR")
    WebDriverWait(d, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".assent-b"))
    d.execute_script("document.querySelector('[data-assent-preferences]').click()")
    WebDriverWait(d, WAIT).until(lambda d: TITLE in d.find_element(By.TAG_NAME, "body").text)

    # The preview of an unsaved draft: the real widget in the frame, with the draft's text; nothing saved.
    d.get(base + "/admin/properties/demo/edit/texts?lang=en")
    banner = field(d, "s:$.texts.en.bannerTitle")
    banner.clear()
    banner.send_keys("Draft banner title")
    d.find_element(By.CSS_SELECTOR, "form.editor button[formaction]").click()
    WebDriverWait(d, WAIT).until(lambda d: "/preview/" in d.current_url)
    preview = d.current_url.split("?")[0]
    d.switch_to.frame(d.find_element(By.CSS_SELECTOR, "iframe.preview-frame"))
    WebDriverWait(d, WAIT).until(lambda d: "Draft banner title" in d.find_element(By.TAG_NAME, "body").text)
    d.switch_to.default_content()
    d.get(base + "/admin/properties/demo/edit/texts?lang=en")
    assert field(d, "s:$.texts.en.bannerTitle").get_attribute("value") != "Draft banner title"

    # Two editors read the general part; the first saves; the second's save is refused with who saved.
    sign_in(second, base, "eva@example.org")
    d.get(base + "/admin/properties/demo/edit/general?lang=en")
    second.get(base + "/admin/properties/demo/edit/general?lang=en")
    name = field(second, "s:$.name")
    name.clear()
    name.send_keys("Eva's name")
    save(second)
    WebDriverWait(second, WAIT).until(lambda d: "saved=" in d.current_url)
    name = field(d, "s:$.name")
    name.clear()
    name.send_keys("Ed's name")
    save(d)
    alert = WebDriverWait(d, WAIT).until(lambda d: d.find_element(By.CSS_SELECTOR, "[role=alert]"))
    assert "eva@example.org" in alert.text
    assert field(d, "s:$.name").get_attribute("value") == "Ed's name"
    d.get(base + "/admin/properties/demo?lang=en")
    assert "Eva's name" in d.find_element(By.TAG_NAME, "h1").text

    # No violation on any of the pages, in either language.
    pages = ["/admin/properties", "/admin/properties/demo", "/admin/properties/demo/edit/categories",
             "/admin/properties/demo/edit/texts", "/admin/properties/demo/history",
             "/admin/properties/demo/history?from=1&to=2", preview.replace(base, "")]
    for lang in ("en", "es"):
        for page in pages:
            d.get(base + page + ("&" if "?" in page else "?") + f"lang={lang}")
            assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
            assert violations(d) == [], f"{page} in {lang}"
    # A refused save, its problems beside the fields, passes too.
    d.get(base + "/admin/properties/demo/edit/general?lang=en")
    origins = field(d, "l:$.origins")
    origins.clear()
    origins.send_keys("not an origin")
    save(d)
    WebDriverWait(d, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".field-problem"))
    assert field(d, "l:$.origins").get_attribute("aria-invalid") == "true"
    assert violations(d) == []
