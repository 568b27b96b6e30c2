"""The right to object to legitimate interest in the preference center's TCF section (the demo from France, where
TCF applies): a vendor's objection checkbox, worked with the keyboard, goes with Save to the server, which records it
and clears the vendor's legitimate-interest bit; the page's __tcfapi then says so, also after a reload."""

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import PROPERTY
from test_a11y import analyse

OBJECT_LABEL = "I object to processing based on legitimate interest"


def tc_data(b):
    """__tcfapi('getTCData') from the page: [TCData, success]."""
    return b.d.execute_async_script("""
      var done = arguments[arguments.length - 1];
      window.__tcfapi('getTCData', 2, function (d, ok) { done([JSON.parse(JSON.stringify(d)), ok]) });""")


def objectable_vendor(server):
    """The first vendor shown whose legitimate interest can be objected to, and one other."""
    status, cf = server.get(f"/v1/properties/{PROPERTY}/config?lang=en", {"X-Assent-Region": "FR"})
    assert status == 200, cf
    tcf = cf["tcf"]
    shown = {p["id"] for p in tcf["purposes"]}
    li = [v for v in tcf["vendors"] if any(p in shown and p not in (1, 3, 4, 5, 6) for p in v["legIntPurposes"])]
    assert len(li) >= 2, "the demo shows two vendors with a legitimate interest"
    return li[0], li[1]


def open_vendors(b, section):
    groups = section.find_elements(By.CSS_SELECTOR, ":scope > details")
    b.click(groups[2].find_element(By.CSS_SELECTOR, "summary"))
    return groups[2]


def test_objecting_to_a_vendors_legitimate_interest(browser, server):
    b = browser
    vendor, other = objectable_vendor(server)
    b.region("FR")
    b.demo()
    b.wait_banner()
    b.click_button("Cookie Preferences", ".assent-b")
    b.wait_dialog()
    section = b.wait(lambda d: b.find(".assent-o .assent-tcf"), "the TCF section")
    open_vendors(b, section)
    box = b.wait(lambda d: b.find(f"#assent-li-v{vendor['id']}"), "the vendor's objection checkbox")
    assert box.get_dom_attribute("type") == "checkbox"
    assert not box.is_selected()
    label = b.find(f"label[for=assent-li-v{vendor['id']}]")
    assert label.text == OBJECT_LABEL
    # named after the vendor as well, for a screen reader going through the list
    name_id = box.get_dom_attribute("aria-labelledby").split()[1]
    assert b.d.find_element(By.ID, name_id).text == vendor["name"]

    # with the purposes open too, axe finds nothing serious in the new controls
    purposes = section.find_elements(By.CSS_SELECTOR, ":scope > details")[0]
    b.click(purposes.find_element(By.CSS_SELECTOR, "summary"))
    b.wait(lambda d: purposes.find_elements(By.CSS_SELECTOR, "input[type=checkbox]"), "the purposes' objection checkboxes")
    assert analyse(b) == []

    # the keyboard alone: focus the checkbox and press Space
    b.js("arguments[0].scrollIntoView({block: 'center'})", box)
    box.send_keys(Keys.SPACE)
    assert box.is_selected()
    assert b.js("return document.activeElement.id") == box.get_dom_attribute("id")
    b.click_button("Save Settings")
    b.wait(lambda d: b.dialog() is None, "the preference center to close")

    # the server recorded the objection, and the page's TCF API shows the vendor's legitimate interest withdrawn
    record = b.wait_record(lambda r: r.get("tcf") is not None, "the record with the objection")
    assert record["tcf"] == {"vendorLIObjections": [vendor["id"]], "purposeLIObjections": []}
    assert record["signals"]["tcf"] == record["tcf"]
    t = b.wait(lambda d: (x := tc_data(b))[1] and x[0]["tcString"] == record["signals"]["tcString"] and x,
               "getTCData with the new TC string")[0]
    assert t["eventStatus"] == "useractioncomplete"
    assert t["vendor"]["legitimateInterests"][str(vendor["id"])] is False
    assert t["vendor"]["legitimateInterests"][str(other["id"])] is True
    assert any(t["purpose"]["legitimateInterests"].values()), "the purposes stay established"

    # after a reload, from the stored signals: the same, and the preference center shows the objection
    b.reload()
    b.wait(lambda d: b.js("return typeof window.__tcfapi == 'function'"), "the TCF API")
    t = b.wait(lambda d: (x := tc_data(b))[1] and x[0].get("eventStatus") == "tcloaded" and x, "tcloaded")[0]
    assert t["vendor"]["legitimateInterests"][str(vendor["id"])] is False
    b.open_preferences()
    section = b.wait(lambda d: b.find(".assent-o .assent-tcf"), "the TCF section")
    group = open_vendors(b, section)
    box = b.wait(lambda d: b.find(f"#assent-li-v{vendor['id']}"), "the vendor's objection checkbox")
    assert box.is_selected()
    item = box.find_element(By.XPATH, "ancestor::li")
    assert "Legitimate interest: objected" in item.text
    assert group.find_element(By.CSS_SELECTOR, f"#assent-li-v{other['id']}").is_selected() is False
