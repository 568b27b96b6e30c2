"""The banner and the preference center with the keyboard alone: real key events through ChromeDriver."""

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from conftest import CATEGORIES, expected_choices

FOCUSABLE = "button,a[href],input:not([disabled]),summary"


def press(b, *keys):
    a = ActionChains(b.d)
    for k in keys:
        a.send_keys(k)
    a.perform()


def shift_tab(b):
    ActionChains(b.d).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()


def active(b):
    return b.d.switch_to.active_element


def tab_to(b, is_target, limit=60, what="target"):
    for _ in range(limit):
        press(b, Keys.TAB)
        if is_target(active(b)):
            return active(b)
    raise AssertionError(f"Tab never reached {what}")


def test_preference_center_by_keyboard(browser, server):
    b = browser
    b.region("FR")
    b.demo()
    banner = b.wait_banner()
    opener = b.button("Cookie Preferences", ".assent-b")

    # Tab through the page to the banner's Cookie Preferences button
    tab_to(b, lambda e: e == opener, what="the Cookie Preferences button")
    press(b, Keys.ENTER)
    g = b.wait_dialog()
    assert g.get_dom_attribute("aria-modal") == "true"
    assert b.find("#" + g.get_dom_attribute("aria-labelledby")).text == "Privacy Preference Center"
    assert active(b).get_dom_attribute("aria-label") == "Close", "focus starts on the first control"

    # Tab cycles within the dialog: every stop is inside it, and it wraps around in both directions
    stops = g.find_elements("css selector", FOCUSABLE)
    assert len(stops) >= 8
    first = active(b)
    assert first == stops[0]
    seen = []
    for _ in range(len(stops)):
        press(b, Keys.TAB)
        e = active(b)
        assert b.js("return arguments[0].contains(arguments[1])", g, e), f"focus left the dialog at {e.tag_name} {e.text!r}"
        seen.append(e)
    assert seen[-1] == stops[0], "Tab wraps from the last control to the first"
    assert seen[:-1] == stops[1:], "Tab visits every control in order"
    shift_tab(b)
    assert active(b) == stops[-1], "Shift+Tab wraps from the first control to the last"
    assert active(b).text == "Save Settings"

    # Space toggles a switch
    perf = b.switch("performance")
    tab_to(b, lambda e: e == perf, limit=len(stops), what="the Performance switch")
    assert not perf.is_selected()
    press(b, Keys.SPACE)
    assert perf.is_selected() and perf.get_dom_attribute("aria-checked") == "true"
    press(b, Keys.SPACE)
    assert not perf.is_selected() and perf.get_dom_attribute("aria-checked") == "false"
    assert b.runs()["performance"] == 0, "toggling is not saving"

    # Escape closes without saving and gives focus back to the opener
    press(b, Keys.ESCAPE)
    b.wait(lambda d: b.dialog() is None, "Escape to close the dialog")
    assert active(b) == opener
    assert b.banner() is not None and b.decision() is None

    # open again, switch performance on and Save, all by keyboard
    press(b, Keys.ENTER)
    g = b.wait_dialog()
    perf = b.switch("performance")
    assert not perf.is_selected(), "closing did not save"
    tab_to(b, lambda e: e == perf, limit=20, what="the Performance switch")
    press(b, Keys.SPACE)
    save = b.button("Save Settings", "[role=dialog]")
    tab_to(b, lambda e: e == save, limit=20, what="Save Settings")
    press(b, Keys.ENTER)
    b.wait(lambda d: b.dialog() is None and b.banner() is None, "the choice to be saved")
    rec = b.wait_record(lambda r: r["action"] == "save")
    assert rec["choices"] == expected_choices({"performance"})
    assert b.runs() == {k: int(k == "performance") for k in CATEGORIES}
    assert banner is not None


def test_footer_link_opens_by_keyboard_and_focus_returns(browser):
    b = browser
    b.region("US-CA")
    b.demo()
    b.wait_banner()
    b.click_button("Accept All", ".assent-b")
    b.wait_decision()
    link = b.find("footer [data-assent-preferences]")
    tab_to(b, lambda e: e == link, what="the footer Cookie Preferences link")
    press(b, Keys.ENTER)
    b.wait_dialog()
    press(b, Keys.ESCAPE)
    b.wait(lambda d: b.dialog() is None, "Escape to close the dialog")
    assert active(b) == link
