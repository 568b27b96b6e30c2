"""The widget's IAB APIs (__tcfapi, __gpp, __uspapi) and Google Consent Mode, in Chromium against the real server.

The signal strings are the server's: the tests take what the server says (the config for a region, the subject's
latest decision) as the expected values, and check that the page APIs hand them out in the shapes the
specifications give (TCF CMP API v2.2, GPP CMP API 1.1, USP API 1.0), with the events in the order the GPP
specification's examples show, from the page itself and from a cross-origin iframe that only has the locator
frames and postMessage.

A "vendor" hook, installed before any page script, catches each API the moment the widget defines it, pings the
stub and registers listeners there, the way a tag that runs early does; everything those listeners receive is kept
(as JSON) in window.__sig.
"""

import functools
import http.server
import threading

import pytest

from conftest import PROPERTY

SPEC_TCDATA_KEYS = ["tcString", "tcfPolicyVersion", "cmpId", "cmpVersion", "gdprApplies", "eventStatus", "cmpStatus",
                    "listenerId", "isServiceSpecific", "useNonStandardTexts", "publisherCC", "purposeOneTreatment",
                    "purpose", "vendor", "specialFeatureOptins", "publisher"]
SPEC_TCF_PING_KEYS = ["gdprApplies", "cmpLoaded", "cmpStatus", "displayStatus", "apiVersion", "cmpVersion", "cmpId",
                      "gvlVersion", "tcfPolicyVersion"]
SPEC_GPP_PING_KEYS = ["gppVersion", "cmpStatus", "cmpDisplayStatus", "signalStatus", "supportedAPIs", "cmpId",
                      "sectionList", "applicableSections", "gppString", "parsedSections"]
CONSENT_TYPES = ["ad_storage", "analytics_storage", "ad_user_data", "ad_personalization", "functionality_storage",
                 "personalization_storage", "security_storage"]
DENIED = {k: "granted" if k == "security_storage" else "denied" for k in CONSENT_TYPES}
SECTION_IDS = {"tcfeuv2": 2, "uspv1": 6, "usnat": 7, "usca": 8, "usva": 9, "usco": 10, "usut": 11, "usct": 12}

VENDOR_HOOK = r"""
(function () {
  var keep = function (x) { return JSON.parse(JSON.stringify(x === undefined ? null : x)) };
  var sig = window.__sig = {tcf: [], gpp: [], stub: {}};
  var hook = function (name, onStub) {
    var v;
    Object.defineProperty(window, name, {configurable: true, get: function () { return v }, set: function (f) {
      v = f;
      if (!sig.stub[name]) { sig.stub[name] = true; onStub(f) }
    }});
  };
  hook("__tcfapi", function (f) {
    f("ping", 2, function (p) { sig.tcfStubPing = keep(p) });
    f("addEventListener", 2, function (t, ok) { sig.tcf.push({t: keep(t), ok: ok}) });
  });
  hook("__gpp", function (f) {
    f("ping", function (p, ok) { sig.gppStubPing = keep(p); sig.gppStubPingOk = ok });
    f("addEventListener", function (e, ok) { sig.gpp.push({e: keep(e), ok: ok}) });
  });
})();
"""

# A vendor's iframe on another origin: it finds the CMP through the locator frames and talks postMessage only.
FRAME_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vendor frame</title></head>
<body><p>A vendor's frame on another origin.</p>
<script>
window.answers = [];
window.addEventListener("message", function (e) {
  var d = e.data, s = typeof d == "string";
  if (s) { try { d = JSON.parse(d) } catch (x) { return } }
  ["__tcfapi", "__gpp", "__uspapi"].forEach(function (n) {
    var r = d && d[n + "Return"];
    if (r) window.answers.push({api: n, asString: s, callId: r.callId, returnValue: JSON.parse(JSON.stringify(
      r.returnValue === undefined ? null : r.returnValue)), success: r.success});
  });
});
window.locate = function (name) {
  for (var w = window; ; w = w.parent) {
    try { if (w.frames[name]) return w } catch (x) {}
    if (w === window.top) return null;
  }
};
var seq = 0;
window.send = function (api, command, parameter, version, asString) {
  var w = locate(api + "Locator");
  if (!w) return null;
  var id = api + "-" + (++seq), m = {};
  m[api + "Call"] = {command: command, parameter: parameter, version: version, callId: id};
  w.postMessage(asString ? JSON.stringify(m) : m, "*");
  return id;
};
window.apiHere = typeof window.__tcfapi;
</script></body></html>
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def vendor_origin(tmp_path_factory):
    """Another origin on loopback (another port) serving the vendor frame."""
    root = tmp_path_factory.mktemp("vendor-site")
    (root / "frame.html").write_text(FRAME_HTML, encoding="utf-8")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


# --- helpers ------------------------------------------------------------------------------------------------------

def config(server, region):
    status, body = server.get(f"/v1/properties/{PROPERTY}/config?lang=en", {"X-Assent-Region": region})
    assert status == 200, body
    return body


def hooked_demo(b, region):
    b.region(region)
    b.d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": VENDOR_HOOK})
    b.demo()


def sig(b):
    return b.js("return window.__sig")


def gpp_events(b):
    """The early GPP listener's events, as 'name' or 'name=data' for string data."""
    return [e["e"]["eventName"] + ("=" + e["e"]["data"] if isinstance(e["e"]["data"], str) else "")
            for e in sig(b)["gpp"]]


def tcf_statuses(b):
    return [x["t"].get("eventStatus") for x in sig(b)["tcf"]]


def call(b, api, *args):
    """Calls a page API from the page and returns what its callback got first, as [data, success]."""
    script = """
      var done = arguments[arguments.length - 1], api = arguments[0], args = arguments[1], cbAt = arguments[2];
      args.splice(cbAt, 0, function (d, ok) { done([JSON.parse(JSON.stringify(d === undefined ? null : d)), ok]); });
      window[api].apply(null, args);
    """
    cb_at = 1 if api == "__gpp" else 2
    return b.d.execute_async_script(script, api, list(args), cb_at)


def consent_calls(b):
    """The gtag('consent', …) calls in the dataLayer, in order, as [command, params]."""
    entries = b.js("return (window.dataLayer || []).map(a => JSON.parse(JSON.stringify(Array.from(a))))")
    return [e[1:] for e in entries if e and e[0] == "consent"]


def loaded_urls(b):
    urls = [f["url"] for f in b.fetches()]
    urls += b.js("return performance.getEntriesByType('resource').map(e => e.name)")
    return urls


def open_vendor_frame(b, origin):
    frame = b.js("""
      var f = document.createElement('iframe');
      f.src = arguments[0] + '/frame.html'; f.id = 'vendor-frame'; f.title = 'Vendor';
      document.body.append(f); return f;""", origin)
    b.d.switch_to.frame(frame)
    b.wait(lambda d: b.js("return typeof window.send == 'function'"), "the vendor frame to load")


def frame_call(b, api, command, parameter=None, version=None, as_string=False, count=1):
    """From inside the vendor frame: one postMessage call; waits for `count` answers and returns all answers so far
    (a listener's call gets one per event)."""
    call_id = b.js("return send(arguments[0], arguments[1], arguments[2], arguments[3], arguments[4])",
                   api, command, parameter, version, as_string)
    assert call_id, f"no {api}Locator frame found from the vendor frame"
    return b.wait(lambda d: (a := [x for x in b.js("return answers") if x["callId"] == call_id]) and len(a) >= count and a,
                  f"{count} answer(s) to {api} {command}")


def subject_signals(server, subject):
    rec = server.subject(subject)
    assert "signals" in rec, f"the subject's record has no signals: {sorted(rec)}"
    return rec["signals"]


# --- TCF and GPP from the page (France: TCF applies) -------------------------------------------------------------

def test_tcf_first_visit_shapes_and_event_order(browser, server):
    b = browser
    cf = config(server, "FR")
    assert "signals" in cf and "tcf" in cf, "the server does not send signals and a TCF vendor list for FR yet"
    default = cf["signals"]
    hooked_demo(b, "FR")
    b.wait_banner()

    # the stubs answered at once, before anything was known
    s = sig(b)
    # (gdprApplies is undefined in the stub, which JSON leaves out)
    assert s["tcfStubPing"] == {"cmpLoaded": False, "cmpStatus": "stub", "displayStatus": "hidden", "apiVersion": "2.2"}
    assert s["gppStubPing"]["cmpStatus"] == "stub" and s["gppStubPing"]["signalStatus"] == "not ready"
    assert s["gppStubPingOk"] is True
    assert set(s["gppStubPing"]) == set(SPEC_GPP_PING_KEYS)

    # the queued TCF listener got the current TCData once the full API loaded: the UI is up
    b.wait(lambda d: tcf_statuses(b) == ["cmpuishown"], "the TCF listener's first call")
    first = sig(b)["tcf"][0]
    assert first["ok"] is True
    t = first["t"]
    assert [k for k in SPEC_TCDATA_KEYS if k not in t] == []
    assert t["gdprApplies"] is True and t["cmpStatus"] == "loaded" and isinstance(t["listenerId"], int)
    assert t["tcString"] == default["tcString"]
    assert (t["cmpId"], t["cmpVersion"], t["tcfPolicyVersion"]) == (cf["tcf"]["cmpId"], cf["tcf"]["cmpVersion"], cf["tcf"]["tcfPolicyVersion"])
    assert t["isServiceSpecific"] is True
    assert t["publisherCC"] == cf["tcf"]["publisherCC"]
    assert set(t["purpose"]) == {"consents", "legitimateInterests"}
    assert set(t["vendor"]) >= {"consents", "legitimateInterests"}
    assert set(t["publisher"]) >= {"consents", "legitimateInterests", "customPurpose", "restrictions"}
    assert not any(t["purpose"]["consents"].values()), "no purpose consent before a choice"
    assert sorted(map(int, t["vendor"]["consents"])) == sorted(v["id"] for v in cf["tcf"]["vendors"])

    b.wait(lambda d: gpp_events(b)[:3] == ["listenerRegistered", "cmpStatus=loaded", "cmpDisplayStatus=visible"],
           "the GPP load events")
    ping = call(b, "__tcfapi", "ping", 2)[0]
    assert set(ping) == set(SPEC_TCF_PING_KEYS)
    assert (ping["gdprApplies"], ping["cmpLoaded"], ping["cmpStatus"], ping["displayStatus"]) == (True, True, "loaded", "visible")
    assert ping["gvlVersion"] == cf["tcf"]["vendorListVersion"]
    gp, ok = call(b, "__gpp", "ping")
    assert ok is True and set(gp) == set(SPEC_GPP_PING_KEYS)
    assert (gp["gppVersion"], gp["cmpStatus"], gp["cmpDisplayStatus"], gp["signalStatus"]) == ("1.1", "loaded", "visible", "not ready")
    assert gp["gppString"] == default["gpp"]
    assert gp["applicableSections"] == (default["gppSid"] or [-1])
    assert "2:tcfeuv2" in gp["supportedAPIs"]
    if "tcfeuv2" in default["sections"]:
        assert 2 in gp["sectionList"]
        assert gp["parsedSections"]["tcfeuv2"][0]["CmpId"] == cf["tcf"]["cmpId"]
        assert call(b, "__gpp", "hasSection", "tcfeuv2") == [True, True]
        assert call(b, "__gpp", "getField", "tcfeuv2.CmpId") == [cf["tcf"]["cmpId"], True]
    assert call(b, "__uspapi", "getUSPData", 1) == [{"version": 1, "uspString": "1---"}, True]
    assert call(b, "__tcfapi", "getTCData", 1) == [None, False], "version 1 is not supported"

    # the visitor accepts: one useractioncomplete with the server's new string, and example 1's GPP order
    b.click_button("Accept All", ".assent-b")
    b.wait(lambda d: tcf_statuses(b) == ["cmpuishown", "useractioncomplete"], "useractioncomplete")
    decided = subject_signals(server, b.wait_decision()["s"])
    after = sig(b)["tcf"][1]["t"]
    assert after["tcString"] == decided["tcString"] != default["tcString"]
    assert after["listenerId"] == t["listenerId"]
    assert any(after["purpose"]["consents"].values())
    b.wait(lambda d: gpp_events(b)[-1] == "signalStatus=ready", "signalStatus ready")
    changes = ["sectionChange=" + p for p in sorted(decided["sections"], key=SECTION_IDS.get)
               if decided["sections"][p] != default["sections"].get(p)]
    assert gpp_events(b) == ["listenerRegistered", "cmpStatus=loaded", "cmpDisplayStatus=visible",
                             "cmpDisplayStatus=hidden", *changes, "signalStatus=ready"]
    last = sig(b)["gpp"][-1]["e"]["pingData"]
    assert last["gppString"] == decided["gpp"] and last["signalStatus"] == "ready"


def test_consent_mode_default_then_updates(browser, server):
    b = browser
    b.region("FR")
    b.demo()
    b.wait_banner()
    cf = config(server, "FR")
    b.wait(lambda d: len(consent_calls(b)) >= 2, "the update with the config's defaults")
    calls = consent_calls(b)
    assert calls[0] == ["default", {**DENIED, "wait_for_update": 500}], "denied before anything is known"
    assert calls[1] == ["update", cf["signals"]["consentMode"]]
    assert b.js("return typeof gtag") == "function"
    b.click_button("Accept All", ".assent-b")
    b.wait(lambda d: len(consent_calls(b)) >= 3, "the update after the choice")
    decided = subject_signals(server, b.wait_decision()["s"])
    assert consent_calls(b)[2] == ["update", decided["consentMode"]]
    assert set(decided["consentMode"]) == set(CONSENT_TYPES)
    assert decided["consentMode"]["security_storage"] == "granted"

    # the next page view: the stored decision's Consent Mode is the default, with no request at all (the page
    # calls no IAB API and shows no UI, so not even assent-signals.js loads)
    b.reload()
    b.wait(lambda d: consent_calls(b), "the Consent Mode default")
    assert consent_calls(b) == [["default", decided["consentMode"]]]
    assert not [u for u in loaded_urls(b) if "/v1/" in u or "assent-signals" in u], loaded_urls(b)


def test_returning_visitor_tcloaded_without_network(browser, server):
    b = browser
    hooked_demo(b, "FR")
    b.wait_banner()
    b.click_button("Reject All", ".assent-b")
    b.wait(lambda d: tcf_statuses(b)[-1:] == ["useractioncomplete"], "the choice's TCData")
    decided = subject_signals(server, b.wait_decision()["s"])

    b.reload()
    b.wait(lambda d: tcf_statuses(b) == ["tcloaded"], "tcloaded from the stored signals")
    t = sig(b)["tcf"][0]["t"]
    assert t["tcString"] == decided["tcString"]
    assert not any(t["purpose"]["consents"].values()), "rejected: no purpose consent"
    b.wait(lambda d: gpp_events(b) == ["listenerRegistered", "cmpStatus=loaded", "signalStatus=ready"], "example 2's load events")
    assert sig(b)["gpp"][-1]["e"]["pingData"]["gppString"] == decided["gpp"]
    assert [u for u in loaded_urls(b) if "/v1/" in u] == [], "the signals come from storage, not the server"
    assert b.banner() is None

    # re-opening the preference center: not ready, visible, cmpuishown; closing it: hidden, ready
    b.open_preferences()
    b.wait(lambda d: tcf_statuses(b) == ["tcloaded", "cmpuishown"], "cmpuishown on re-open")
    b.d.find_element("css selector", ".assent-x").click()
    b.wait(lambda d: gpp_events(b)[-1] == "signalStatus=ready", "ready after closing")
    assert gpp_events(b)[3:] == ["signalStatus=not ready", "cmpDisplayStatus=visible", "cmpDisplayStatus=hidden",
                                 "signalStatus=ready"]


def test_tcf_section_of_the_preference_center(browser, server):
    b = browser
    cf = config(server, "FR")
    tcf = cf["tcf"]
    b.region("FR")
    b.demo()
    b.wait_banner()
    b.click_button("Cookie Preferences", ".assent-b")
    dialog = b.wait_dialog()
    section = b.wait(lambda d: b.find(".assent-o .assent-tcf"), "the TCF section (loaded lazily)")
    assert any("assent-signals.js" in u for u in loaded_urls(b))
    summaries = [s.text for s in section.find_elements("css selector", ":scope > details > summary")]
    assert summaries == [f"Purposes ({len(tcf['purposes'])})", f"Special features ({len(tcf['specialFeatures'])})",
                         f"Vendors ({len(tcf['vendors'])})"]
    groups = section.find_elements("css selector", ":scope > details")
    b.click(groups[0].find_element("css selector", "summary"))
    names = [p.text for p in b.wait(lambda d: groups[0].find_elements("css selector", "li > p.assent-rt"), "the purposes")]
    assert names == [p["name"] for p in tcf["purposes"]]
    b.click(groups[2].find_element("css selector", "summary"))
    vendors = b.wait(lambda d: groups[2].find_elements("css selector", "li"), "the vendors")
    assert [v.find_element("css selector", "p.assent-rt").text for v in vendors] == [v["name"] for v in tcf["vendors"]]
    # a vendor with legitimate interest: its purposes, the LI state, retention and policy link
    li_vendors = [i for i, v in enumerate(tcf["vendors"]) if v["legIntPurposes"]]
    i = li_vendors[0] if li_vendors else 0
    v = tcf["vendors"][i]
    text = vendors[i].text
    if v["purposes"]:
        assert "Consent: not given" in text
    if v["legIntPurposes"]:
        assert "Legitimate interest: established" in text
        assert "right to object" in text
    if v.get("dataRetention") and v["dataRetention"].get("stdRetention") is not None:
        assert f"Data retention: {v['dataRetention']['stdRetention']} days" in text
    links = [a.get_dom_attribute("href") for a in vendors[i].find_elements("css selector", "a")]
    if (v.get("policyUrl") or "").startswith("http"):
        assert any(h.rstrip("/") == v["policyUrl"].rstrip("/") for h in links), links
    # texts are text: nothing from the vendor list became markup
    assert dialog.find_elements("css selector", ".assent-tcf script, .assent-tcf img") == []
    # still one dialog with focus kept inside, closable with Escape
    b.d.switch_to.active_element.send_keys("\ue00c")
    b.wait(lambda d: b.dialog() is None, "Escape to close the preference center")


# --- GPP and US Privacy from the page (California: opt-out) ------------------------------------------------------

def test_gpp_and_usp_in_california(browser, server):
    b = browser
    cf = config(server, "US-CA")
    default = cf["signals"]
    assert "usca" in default["sections"], default
    hooked_demo(b, "US-CA")
    b.wait_banner()
    b.wait(lambda d: {"cmpDisplayStatus=visible", "signalStatus=ready"} <= set(gpp_events(b)), "the GPP load events")
    ev = gpp_events(b)
    assert ev[:2] == ["listenerRegistered", "cmpStatus=loaded"] and sorted(ev[2:]) == ["cmpDisplayStatus=visible", "signalStatus=ready"]
    assert tcf_statuses(b) == [None] and sig(b)["tcf"][0]["t"]["gdprApplies"] is False, "TCF does not apply in California"

    gp = call(b, "__gpp", "ping")[0]
    assert (gp["signalStatus"], gp["cmpDisplayStatus"]) == ("ready", "visible")
    assert gp["applicableSections"] == default["gppSid"] == [8]
    assert 8 in gp["sectionList"] and "8:usca" in gp["supportedAPIs"]
    assert gp["gppString"] == default["gpp"] and gp["gppString"].startswith("DB")
    core = gp["parsedSections"]["usca"][0]
    assert core["SaleOptOut"] == default["sections"]["usca"]["saleOptOut"] == 2, "opt-out regime: not opted out yet"
    assert call(b, "__gpp", "getField", "usca.SaleOptOut") == [2, True]
    assert call(b, "__gpp", "getField", "usca.NoSuchField") == [None, True]
    assert call(b, "__gpp", "hasSection", "tcfeuv2") == [False, True]
    section = call(b, "__gpp", "getSection", "usca")[0]
    assert section[0]["Version"] == 1
    assert call(b, "__uspapi", "getUSPData", 1) == [{"version": 1, "uspString": default["usPrivacy"]}, True]

    b.click_button("Reject All", ".assent-b")
    b.wait(lambda d: gpp_events(b)[-1] == "signalStatus=ready" and "sectionChange=usca" in gpp_events(b), "the change")
    assert gpp_events(b)[4:] == ["signalStatus=not ready", "cmpDisplayStatus=hidden", "sectionChange=usca", "signalStatus=ready"]
    decided = subject_signals(server, b.wait_decision()["s"])
    assert call(b, "__gpp", "getField", "usca.SaleOptOut") == [1, True], "opted out"
    assert call(b, "__uspapi", "getUSPData", 1) == [{"version": 1, "uspString": decided["usPrivacy"]}, True]
    assert decided["usPrivacy"][2] == "Y"
    assert consent_calls(b)[-1] == ["update", decided["consentMode"]]


def test_region_specific_consent_default_from_the_cached_config(browser, server):
    b = browser
    b.region("US-CA")
    b.demo()
    b.wait_banner()
    cf = config(server, "US-CA")
    b.reload()  # no decision yet, but the config of the visitor's region is cached
    b.wait(lambda d: len(consent_calls(b)) >= 3, "the defaults and the update")
    calls = consent_calls(b)
    assert calls[0] == ["default", {**DENIED, "wait_for_update": 500}]
    assert calls[1] == ["default", {**cf["signals"]["consentMode"], "region": ["US-CA"], "wait_for_update": 500}]
    assert calls[2] == ["update", cf["signals"]["consentMode"]]


# --- from a cross-origin iframe -----------------------------------------------------------------------------------

def test_cross_origin_frame_uses_the_locators(browser, server, vendor_origin):
    b = browser
    b.region("FR")
    b.demo()
    b.wait_banner()
    b.click_button("Accept All", ".assent-b")
    decided = subject_signals(server, b.wait_decision()["s"])
    b.reload()  # a stored decision: the page itself never calls the APIs, so only the stubs are there
    assert [n for n in ("__tcfapiLocator", "__gppLocator", "__uspapiLocator")
            if not b.js("return !!window.frames[arguments[0]]", n)] == []
    assert not any("assent-signals.js" in u for u in loaded_urls(b))

    open_vendor_frame(b, vendor_origin)
    try:
        assert b.js("return apiHere") == "undefined", "the frame is on another origin: no API of its own"
        assert b.js("return location.origin") != server.base
        (ping,) = frame_call(b, "__tcfapi", "ping", version=2)
        assert ping["success"] is True and ping["returnValue"]["cmpStatus"] == "stub", "the stub answers a ping at once"
        assert ping["returnValue"]["cmpLoaded"] is False
        reg = frame_call(b, "__tcfapi", "addEventListener", version=2)[0]
        t = reg["returnValue"]
        assert reg["success"] is True
        assert [k for k in SPEC_TCDATA_KEYS if k not in t] == []
        assert (t["eventStatus"], t["gdprApplies"], t["cmpStatus"]) == ("tcloaded", True, "loaded")
        assert t["tcString"] == decided["tcString"]
        (ping,) = frame_call(b, "__tcfapi", "ping", version=2)
        assert (ping["returnValue"]["cmpStatus"], ping["returnValue"]["cmpLoaded"]) == ("loaded", True)
        (gp,) = frame_call(b, "__gpp", "ping", version="1.1", as_string=True)
        assert gp["asString"] is True, "a string message is answered with a string"
        assert set(gp["returnValue"]) == set(SPEC_GPP_PING_KEYS)
        assert gp["returnValue"]["gppString"] == decided["gpp"]
        reg = frame_call(b, "__gpp", "addEventListener")[0]
        assert reg["returnValue"]["eventName"] == "listenerRegistered" and reg["returnValue"]["data"] is True
        if "tcfeuv2" in decided["sections"]:
            (f,) = frame_call(b, "__gpp", "getField", "tcfeuv2.CmpId")
            assert f["returnValue"] == decided["sections"]["tcfeuv2"]["cmpId"]
        (usp,) = frame_call(b, "__uspapi", "getUSPData", version=1)
        assert usp["returnValue"] == {"version": 1, "uspString": "1---"} and usp["success"] is True
        (bad,) = frame_call(b, "__tcfapi", "getTCData", version=1)
        assert (bad["returnValue"], bad["success"]) == (None, False)
        (removed,) = frame_call(b, "__tcfapi", "removeEventListener", t["listenerId"], version=2)
        assert removed["returnValue"] is True
    finally:
        b.d.switch_to.default_content()


def test_cross_origin_frame_sees_changes_in_california(browser, server, vendor_origin):
    b = browser
    b.region("US-CA")
    b.demo()
    b.wait_banner()
    open_vendor_frame(b, vendor_origin)
    try:
        # nothing on the page called an API yet: the stub registers the listener, then the full API loads
        reg, loaded = frame_call(b, "__gpp", "addEventListener", count=2)[:2]
        assert reg["returnValue"]["eventName"] == "listenerRegistered"
        assert reg["returnValue"]["pingData"]["cmpStatus"] == "stub"
        assert (loaded["returnValue"]["eventName"], loaded["returnValue"]["data"]) == ("cmpStatus", "loaded")
        (gp,) = frame_call(b, "__gpp", "ping")
        assert gp["returnValue"]["applicableSections"] == [8]
        (f,) = frame_call(b, "__gpp", "getField", "usca.SaleOptOut")
        assert f["returnValue"] == 2
        (usp,) = frame_call(b, "__uspapi", "getUSPData", version=1)
        assert usp["returnValue"]["uspString"] == config(server, "US-CA")["signals"]["usPrivacy"]
        call_id = reg["callId"]
    finally:
        b.d.switch_to.default_content()
    b.click_button("Reject All", ".assent-b")
    b.wait_decision()
    b.d.switch_to.frame(b.find("#vendor-frame"))
    try:
        def events():
            return [a["returnValue"]["eventName"] + ("=" + a["returnValue"]["data"] if isinstance(a["returnValue"]["data"], str) else "")
                    for a in b.js("return answers") if a["callId"] == call_id]
        b.wait(lambda d: events()[-1:] == ["signalStatus=ready"] and "sectionChange=usca" in events(), "the frame's events")
        ev = events()
        assert ev[:2] == ["listenerRegistered", "cmpStatus=loaded"]
        assert sorted(ev[2:4]) == ["cmpDisplayStatus=visible", "signalStatus=ready"]
        assert ev[4:] == ["signalStatus=not ready", "cmpDisplayStatus=hidden", "sectionChange=usca", "signalStatus=ready"]
        (f,) = frame_call(b, "__gpp", "getField", "usca.SaleOptOut")
        assert f["returnValue"] == 1
    finally:
        b.d.switch_to.default_content()


def test_decision_without_stored_signals_fetches_them_once(browser, server):
    """A decision made before its signals were kept (or on another subdomain sharing the cookie): the widget asks
    the server for the subject's signals once, then keeps them."""
    b = browser
    b.region("US-CA")
    b.demo()
    b.wait_banner()
    b.click_button("Reject All", ".assent-b")
    decided = subject_signals(server, b.wait_decision()["s"])
    b.js("localStorage.removeItem('assent:demo#s')")
    b.reload()
    b.wait(lambda d: len(consent_calls(b)) >= 3, "the update with the subject's signals")
    # denied (and the cached config's regional defaults) until the server's answer, then the decision's mapping
    assert consent_calls(b) == [
        ["default", {**DENIED, "wait_for_update": 500}],
        ["default", {**config(server, "US-CA")["signals"]["consentMode"], "region": ["US-CA"], "wait_for_update": 500}],
        ["update", decided["consentMode"]]]
    assert len([f for f in b.fetches() if "/subjects/" in f["url"]]) == 1
    assert call(b, "__gpp", "getField", "usca.SaleOptOut") == [1, True]
    b.reload()
    b.wait(lambda d: consent_calls(b), "the Consent Mode default")
    assert consent_calls(b) == [["default", decided["consentMode"]]]
    assert [u for u in loaded_urls(b) if "/v1/" in u] == [], "kept: no request the second time"
