"""Consent analytics in the widget: a first page view that shows the banner sends exactly one ID-free beacon
(opening the preferences from it sends no second one); a page view with a stored decision sends none, and makes
no request at all."""

import json



def test_first_view_sends_one_beacon_and_a_decided_view_none(browser):
    b = browser
    b.region("FR")
    b.demo()
    b.wait_banner()
    b.wait(lambda _: len(b.beacons()) == 1, "the banner beacon")
    beacon = b.beacons()[0]
    assert beacon["url"].endswith("/v1/properties/demo/events")
    body = json.loads(beacon["body"])
    assert body == {"event": "banner_shown", "policyVersion": body["policyVersion"], "lang": "en"}
    assert isinstance(body["policyVersion"], int)
    # the preference center shown from the banner is the same page view: no second beacon
    b.click_button("Cookie Preferences")
    b.wait_dialog()
    b.click_button("Allow All", ".assent-d")
    b.wait_decision()
    assert len(b.beacons()) == 1

    b.reload()
    b.wait(lambda _: b.js("return document.readyState") == "complete", "the page")
    assert b.beacons() == []
    assert b.api_requests() == []
    assert [e for e in b.js("return performance.getEntriesByType('resource').map(e => e.name)") if "/events" in e] == []
