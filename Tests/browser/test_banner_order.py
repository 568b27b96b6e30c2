"""The banner's frame carries only the banner: what the widget does besides (the banner_shown beacon, the IAB
locator frames) comes after the banner is in the page and a frame has been rendered since, and the locator frames,
which cost a browsing context each, are added one per task rather than in one long task."""

import pytest

# Runs before the page: counts rendered frames, and records, on the frame count, when the banner entered the page,
# when each locator frame did (one record per mutation batch: a batch holds what one task added) and when each
# beacon was sent.
ORDER = r"""
(() => {
  const order = (window.__order = { frames: 0, banner: null, locatorBatches: [], beacons: [] });
  const tick = () => { order.frames++; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  new MutationObserver(records => {
    const added = records.flatMap(r => [...r.addedNodes]);
    if (order.banner === null && added.some(n => n.classList && n.classList.contains("assent-b"))) {
      order.banner = order.frames;
    }
    const locators = added.filter(n => n.nodeName == "IFRAME" && /Locator$/.test(n.name)).map(n => n.name);
    if (locators.length) order.locatorBatches.push({ frames: order.frames, names: locators });
  }).observe(document, { childList: true, subtree: true });
  const send = navigator.sendBeacon.bind(navigator);
  navigator.sendBeacon = (url, body) => {
    order.beacons.push({ frames: order.frames, body: String(body) });
    return send(url, body);
  };
})();
"""


@pytest.mark.parametrize("region", ["FR", "US-CA"])
def test_beacon_and_locator_frames_come_after_the_banner(browser, region):
    b = browser
    b.region(region)
    b.d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ORDER})
    b.demo()
    b.wait_banner()
    b.wait(lambda d: b.js("return window.__order.locatorBatches.flatMap(batch => batch.names).length") == 3
           and b.js("return window.__order.beacons.length") == 1, "the locator frames and the beacon")
    order = b.js("return window.__order")
    assert order["banner"] is not None
    # each locator frame in a task of its own, all three of them
    assert [batch["names"] for batch in order["locatorBatches"]] == [
        ["__tcfapiLocator"], ["__gppLocator"], ["__uspapiLocator"]]
    # ... and, like the beacon, only once a frame has been rendered with the banner in the page
    assert all(batch["frames"] > order["banner"] for batch in order["locatorBatches"]), order
    assert '"banner_shown"' in order["beacons"][0]["body"]
    assert order["beacons"][0]["frames"] > order["banner"], order
