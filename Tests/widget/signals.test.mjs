// The widget's IAB APIs and Consent Mode, run with `node --test Tests/widget/`: the stubs and locator-frame relay in
// assent.js, and in assent-signals.js the TCData / pingData built from the server's signals, getField paths and the
// order of the events a page sees (checked against the TCF CMP API v2.2, the GPP CMP API 1.1 and the USP API 1.0).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const W = require("../../Sources/AssentServer/Resources/widget/assent.js");
const S = require("../../Sources/AssentServer/Resources/widget/assent-signals.js");

// signals in the shape the server sends (config, consent response, subject), for an opt-in visitor in France
const tcfSection = (consents) => ({
  version: 2, created: "2026-11-29T00:00:00Z", lastUpdated: "2026-11-29T00:00:00Z", cmpId: 300, cmpVersion: 2, consentScreen: 1,
  consentLanguage: "EN", vendorListVersion: 91, tcfPolicyVersion: 5, isServiceSpecific: true, useNonStandardTexts: false,
  specialFeatureOptIns: consents ? [1] : [], purposesConsent: consents ? [1, 2, 7] : [], purposesLITransparency: [7],
  purposeOneTreatment: false, publisherCC: "FR", vendorConsents: consents ? [8, 21] : [], vendorLegitimateInterests: [21],
  pubRestrictions: [{ purposeId: 2, restrictionType: 1, vendorRanges: [[8, 9]] }], disclosedVendors: [8, 21, 30],
});
const frSignals = (consents) => ({
  gpp: consents ? "DBABMA~CONSENTED" : "DBABMA~DEFAULT", gppSid: [2], tcString: consents ? "CONSENTED" : "DEFAULT",
  consentMode: { ad_storage: consents ? "granted" : "denied", analytics_storage: "denied", ad_user_data: "denied", ad_personalization: "denied",
    functionality_storage: "denied", personalization_storage: "denied", security_storage: "granted" },
  sections: { tcfeuv2: tcfSection(consents) },
});
const usca = (optOut) => ({
  version: 1, saleOptOutNotice: 1, sharingOptOutNotice: 1, sensitiveDataLimitUseNotice: 0, saleOptOut: optOut ? 1 : 2,
  sharingOptOut: optOut ? 1 : 2, sensitiveDataProcessing: [0, 0, 0, 0, 0, 0, 0, 0, 0], knownChildSensitiveDataConsents: [0, 0],
  personalDataConsents: 0, mspaCoveredTransaction: 2, mspaOptOutOptionMode: 0, mspaServiceProviderMode: 0, gpc: false,
});
const caSignals = (optOut) => ({
  gpp: optOut ? "DBABLA~OPTEDOUT.QA" : "DBABLA~DEFAULT.QA", gppSid: [8], usPrivacy: optOut ? "1YYN" : "1YNN",
  consentMode: {}, sections: { usca: usca(optOut) },
});
const tcfConfig = {
  regime: "opt-in", policyVersion: 1, lang: "en", texts: {},
  tcf: {
    cmpId: 300, cmpVersion: 2, vendorListVersion: 91, tcfPolicyVersion: 5, publisherCC: "FR",
    purposes: [1, 2, 3, 7].map(id => ({ id, name: "Purpose " + id, description: "About purpose " + id })),
    specialFeatures: [1, 2].map(id => ({ id, name: "Feature " + id, description: "About feature " + id })),
    vendors: [8, 21, 30].map(id => ({ id, name: "Vendor " + id, purposes: [1, 2], legIntPurposes: [7], flexiblePurposes: [2], specialPurposes: [1],
      features: [], specialFeatures: [], dataRetention: { stdRetention: 30 }, policyUrl: "https://vendor.example/privacy" })),
  },
};

// --- assent.js: stubs, relay, Consent Mode defaults ---------------------------------------------------------------

const stubbed = () => {
  const win = {}, B = { q: [], l: [], n: 0, g: null }, needs = [];
  W.stubs(win, B, () => needs.push(1));
  return { win, B, needs };
};

test("the stubs answer ping synchronously with the specifications' stub shapes", () => {
  const { win, B, needs } = stubbed();
  let tcf, gpp;
  win.__tcfapi("ping", 2, (p, ok) => { tcf = [p, ok] });
  win.__gpp("ping", (p, ok) => { gpp = [p, ok] });
  assert.deepEqual(tcf, [{ gdprApplies: undefined, cmpLoaded: false, cmpStatus: "stub", displayStatus: "hidden", apiVersion: "2.2" }, true]);
  assert.deepEqual(gpp, [{ gppVersion: "1.1", cmpStatus: "stub", cmpDisplayStatus: "hidden", signalStatus: "not ready", supportedAPIs: [],
    cmpId: 0, sectionList: [], applicableSections: [0], gppString: "", parsedSections: {} }, true]);
  assert.deepEqual(B.q, [], "ping is never queued");
  assert.equal(B.p, 1, "a call marks the APIs as used");
  assert.equal(needs.length, 2, "every call asks for the full APIs");
});

test("the GPP stub registers listeners at once; every other call queues in order", () => {
  const { win, B } = stubbed();
  const got = [];
  const a = (e, ok) => got.push(["a", e.eventName, e.listenerId, e.data, e.pingData.cmpStatus, ok]);
  const b = (e, ok) => got.push(["b", e.eventName, e.listenerId, e.data, e.pingData.cmpStatus, ok]);
  win.__gpp("addEventListener", a);
  win.__tcfapi("addEventListener", 2, () => {});
  win.__gpp("addEventListener", b);
  win.__gpp("getField", () => {}, "usca.SaleOptOut");
  win.__uspapi("getUSPData", 1, () => {});
  win.__gpp("removeEventListener", () => {}, 1);
  assert.deepEqual(got, [["a", "listenerRegistered", 1, true, "stub", true], ["b", "listenerRegistered", 2, true, "stub", true]]);
  assert.deepEqual(B.l.map(x => x[0]), [1, 2]);
  assert.deepEqual(B.q.map(([n, args]) => [n, args[0]]),
    [["__tcfapi", "addEventListener"], ["__gpp", "getField"], ["__uspapi", "getUSPData"], ["__gpp", "removeEventListener"]]);
  assert.equal(B.q[1][1][2], "usca.SaleOptOut", "the arguments are kept as given");
});

test("the locator relay calls the API with each protocol's argument order and answers in kind", () => {
  const calls = [], posted = [];
  const win = {
    __tcfapi: (c, v, cb, p) => { calls.push(["tcf", c, v, p]); cb({ tc: 1 }, true) },
    __gpp: (c, cb, p, v) => { calls.push(["gpp", c, p, v]); cb("field", true); cb("again", true) },
    __uspapi: (c, v, cb) => { calls.push(["usp", c, v]); cb({ version: 1, uspString: "1YNN" }, true) },
  };
  const source = { postMessage: (m, o) => posted.push([m, o]) };
  W.relay(win, { data: { __tcfapiCall: { command: "addEventListener", version: 2, parameter: null, callId: 7 } }, source });
  W.relay(win, { data: JSON.stringify({ __gppCall: { command: "getField", parameter: "usca.Gpc", version: "1.1", callId: "g1" } }), source });
  W.relay(win, { data: { __uspapiCall: { command: "getUSPData", version: 1, callId: 3 } }, source });
  W.relay(win, { data: "not json {", source });
  W.relay(win, { data: { other: 1 }, source });
  W.relay(win, { data: null, source });
  W.relay(win, { data: { __tcfapiCall: "not an object" }, source });
  assert.deepEqual(calls, [["tcf", "addEventListener", 2, null], ["gpp", "getField", "usca.Gpc", "1.1"], ["usp", "getUSPData", 1]]);
  assert.deepEqual(posted, [
    [{ __tcfapiReturn: { returnValue: { tc: 1 }, success: true, callId: 7 } }, "*"],
    [JSON.stringify({ __gppReturn: { returnValue: "field", success: true, callId: "g1" } }), "*"],
    [JSON.stringify({ __gppReturn: { returnValue: "again", success: true, callId: "g1" } }), "*"],
    [{ __uspapiReturn: { returnValue: { version: 1, uspString: "1YNN" }, success: true, callId: 3 } }, "*"],
  ]);
});

test("Consent Mode defaults to denied for everything but security storage", () => {
  assert.deepEqual(W.denied(), {
    ad_storage: "denied", analytics_storage: "denied", ad_user_data: "denied", ad_personalization: "denied",
    functionality_storage: "denied", personalization_storage: "denied", security_storage: "granted",
  });
});

// --- assent-signals.js: pure logic --------------------------------------------------------------------------------

test("a US section becomes its core sub-section with GPP field names plus the GPC sub-section", () => {
  const [core, gpc, ...rest] = S.subsections("usca", usca(true));
  assert.equal(core.Version, 1);
  assert.equal(core.SaleOptOut, 1);
  assert.equal(core.MspaCoveredTransaction, 2);
  assert.deepEqual(core.KnownChildSensitiveDataConsents, [0, 0]);
  assert.ok(!("Gpc" in core) && !("gpc" in core));
  assert.deepEqual(gpc, { SubsectionType: 1, Gpc: false });
  assert.deepEqual(rest, []);
  const noGpc = { ...usca(false) };
  delete noGpc.gpc;
  assert.equal(S.subsections("usca", noGpc).length, 1, "no GPC sub-section when the string has none");
  assert.equal(S.subsections("x", "rawbody"), null);
});

test("the tcfeuv2 section uses the GPP names, dates, and its optional segments after the core", () => {
  const s = { ...tcfSection(true), publisherTC: { pubPurposesConsent: [1], pubPurposesLITransparency: [], numCustomPurposes: 0,
    customPurposesConsent: [], customPurposesLITransparency: [] } };
  const [core, disclosed, pub] = S.subsections("tcfeuv2", s);
  assert.deepEqual(core.PurposeConsent, [1, 2, 7]);
  assert.deepEqual(core.VendorConsent, [8, 21]);
  assert.deepEqual(core.VendorLegitimateInterest, [21]);
  assert.equal(core.TcfPolicyVersion, 5);
  assert.equal(core.PublisherCC, "FR");
  assert.ok(core.Created instanceof Date && core.Created.getTime() == Date.UTC(2026, 10, 29));
  assert.deepEqual(disclosed, { SegmentType: 1, DisclosedVendors: [8, 21, 30] });
  assert.deepEqual(pub, { SegmentType: 3, PubPurposesConsent: [1], PubPurposesLITransparency: [], NumCustomPurposes: 0,
    CustomPurposesConsent: [], CustomPurposesLITransparency: [] });
});

test("getField paths: section.field, any case, the reference libraries' names, sub-section fields, null otherwise", () => {
  const g = { ...caSignals(true), sections: { usca: { ...usca(true), gpc: true }, tcfeuv2: tcfSection(true) } };
  assert.equal(S.field(g, "usca.SaleOptOut"), 1);
  assert.equal(S.field(g, "usca.saleoptout"), 1);
  assert.equal(S.field(g, "usca.Gpc"), true);
  assert.equal(S.field(g, "usca.SubsectionType"), 1);
  assert.deepEqual(S.field(g, "usca.SensitiveDataProcessing"), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(S.field(g, "tcfeuv2.PurposeConsent"), [1, 2, 7]);
  assert.deepEqual(S.field(g, "tcfeuv2.PurposeConsents"), [1, 2, 7]);
  assert.deepEqual(S.field(g, "tcfeuv2.VendorConsents"), [8, 21]);
  assert.equal(S.field(g, "tcfeuv2.PolicyVersion"), 5);
  assert.equal(S.field(g, "tcfeuv2.PublisherCountryCode"), "FR");
  assert.deepEqual(S.field(g, "tcfeuv2.DisclosedVendors"), [8, 21, 30]);
  for (const bad of ["usca.NoSuchField", "usnat.SaleOptOut", "usca", ".SaleOptOut", "", undefined, "constructor.name", "usca.constructor"])
    assert.equal(S.field(g, bad), null, String(bad));
  assert.equal(S.field(null, "usca.SaleOptOut"), null);
});

test("section lists and changes follow section IDs", () => {
  const g = { sections: { usca: {}, tcfeuv2: {}, uspv1: {}, 99: "raw" } };
  assert.deepEqual(S.sectionList(g), [2, 6, 8, 99]);
  assert.deepEqual(S.SUPPORTED, ["2:tcfeuv2", "6:uspv1", "7:usnat", "8:usca", "9:usva", "10:usco", "11:usut", "12:usct"]);
  assert.deepEqual(S.changed(caSignals(false), caSignals(true)), ["usca"]);
  assert.deepEqual(S.changed(caSignals(true), caSignals(true)), []);
  assert.deepEqual(S.changed({ sections: { usca: 1, uspv1: 1 } }, { sections: { uspv1: 2, usnat: 1 } }), ["uspv1", "usnat", "usca"]);
  assert.deepEqual(S.changed(null, frSignals(false)), ["tcfeuv2"]);
});

test("TCData has every member of the specification, in its order, built from the signals and the vendor list", () => {
  const t = S.tcData(frSignals(true), tcfConfig, "useractioncomplete", 4);
  assert.deepEqual(Object.keys(t), ["tcString", "tcfPolicyVersion", "cmpId", "cmpVersion", "gdprApplies", "eventStatus", "cmpStatus",
    "listenerId", "isServiceSpecific", "useNonStandardTexts", "useNonStandardStacks", "publisherCC", "purposeOneTreatment", "purpose",
    "vendor", "specialFeatureOptins", "publisher"]);
  assert.deepEqual([t.tcString, t.tcfPolicyVersion, t.cmpId, t.cmpVersion, t.gdprApplies, t.eventStatus, t.cmpStatus, t.listenerId],
    ["CONSENTED", 5, 300, 2, true, "useractioncomplete", "loaded", 4]);
  assert.equal(t.isServiceSpecific, true);
  assert.equal(t.publisherCC, "FR");
  assert.deepEqual(t.purpose.consents, { 1: true, 2: true, 3: false, 7: true });
  assert.deepEqual(t.purpose.legitimateInterests, { 1: false, 2: false, 3: false, 7: true });
  assert.deepEqual(t.vendor.consents, { 8: true, 21: true, 30: false });
  assert.deepEqual(t.vendor.legitimateInterests, { 8: false, 21: true, 30: false });
  assert.deepEqual(t.vendor.disclosedVendors, { 8: true, 21: true, 30: true });
  assert.deepEqual(t.specialFeatureOptins, { 1: true, 2: false });
  assert.deepEqual(t.publisher, { consents: {}, legitimateInterests: {}, customPurpose: { consents: {}, legitimateInterests: {} },
    restrictions: { 2: { 8: 1, 9: 1 } } });
  // getTCData with a vendor list answers for exactly those vendors
  const some = S.tcData(frSignals(false), tcfConfig, "cmpuishown", undefined, [21, 500]);
  assert.equal(some.listenerId, undefined);
  assert.deepEqual(some.vendor.consents, { 21: false, 500: false });
  assert.deepEqual(some.vendor.legitimateInterests, { 21: true, 500: false });
});

test("where TCF does not apply, TCData carries only gdprApplies and the CMP's identity", () => {
  const t = S.tcData(caSignals(false), {}, "tcloaded", 1);
  assert.deepEqual(Object.keys(t), ["gdprApplies", "tcfPolicyVersion", "cmpId", "cmpVersion", "cmpStatus", "listenerId"]);
  assert.equal(t.gdprApplies, false);
});

test("ping answers: TCF PingReturn and GPP pingData", () => {
  assert.deepEqual(S.tcPing(frSignals(false), tcfConfig, { vis: true }), { gdprApplies: true, cmpLoaded: true, cmpStatus: "loaded",
    displayStatus: "visible", apiVersion: "2.2", cmpVersion: 2, cmpId: 300, gvlVersion: 91, tcfPolicyVersion: 5 });
  assert.equal(S.tcPing(frSignals(false), tcfConfig, { vis: false }).displayStatus, "hidden");
  assert.equal(S.tcPing(caSignals(false), {}, { vis: true }).displayStatus, "disabled");
  const p = S.gppPing(caSignals(true), {}, { vis: false, rdy: true });
  assert.deepEqual(Object.keys(p), ["gppVersion", "cmpStatus", "cmpDisplayStatus", "signalStatus", "supportedAPIs", "cmpId", "sectionList",
    "applicableSections", "gppString", "parsedSections"]);
  assert.equal(p.gppVersion, "1.1");
  assert.equal(p.cmpStatus, "loaded");
  assert.equal(p.cmpDisplayStatus, "hidden");
  assert.equal(p.signalStatus, "ready");
  assert.deepEqual(p.sectionList, [8]);
  assert.deepEqual(p.applicableSections, [8]);
  assert.equal(p.gppString, "DBABLA~OPTEDOUT.QA");
  assert.deepEqual(Object.keys(p.parsedSections), ["usca"]);
  assert.equal(p.parsedSections.usca[0].SaleOptOut, 1);
  assert.deepEqual(S.gppPing({ gpp: "DBAA", gppSid: [], sections: {} }, {}, {}).applicableSections, [-1]);
});

test("vendor policy links are used only when they are http(s)", () => {
  assert.equal(S.safeUrl("https://vendor.example/p"), "https://vendor.example/p");
  assert.equal(S.safeUrl("javascript:alert(1)"), null);
  assert.equal(S.safeUrl("data:text/html,x"), null);
  assert.equal(S.safeUrl("not a url"), null);
  assert.equal(S.label({ lang: "es", texts: {} }, "tcfVendors"), "Proveedores");
  assert.equal(S.label({ lang: "xx", texts: { tcfVendors: "" } }, "tcfVendors"), "Vendors");
  assert.equal(S.label({ lang: "en", texts: { tcfVendors: "Partners" } }, "tcfVendors"), "Partners");
});

// --- assent-signals.js: the APIs and the order of their events -------------------------------------------------------

const future = { s: "x", c: {}, v: 1, t: 1, e: Date.now() / 1e3 + 86400 };
// A page: the stubs of assent.js, a fake DOM that says which widget elements are showing, and a log of everything the
// page's listeners (registered before the full APIs load) receive.
const page = ({ signals, config, decision, shown = [] }) => {
  const win = {}, B = { q: [], l: [], n: 0, g: signals, c: () => config, d: () => decision };
  W.stubs(win, B, () => {});
  const dom = new Set(shown);
  const D = { querySelector: s => s.split(",").some(x => dom.has(x.trim())) ? {} : null, body: null };
  const log = [];
  win.__gpp("addEventListener", e => log.push("gpp:" + e.eventName + (typeof e.data == "string" ? "=" + e.data : "")));
  win.__tcfapi("addEventListener", 2, (t, ok) => log.push("tcf:" + (t.eventStatus || "gdprApplies=" + t.gdprApplies) + (ok ? "" : ":fail")));
  const a = S.api(B, win, D);
  return {
    win, B, log, a,
    show: s => { dom.add("body > .assent-" + s); a.upd() },
    hide: s => { dom.delete("body > .assent-" + s); a.upd() },
    act: () => B.f(1),
    // as assent.js does: the decision cookie is written, then the new signals are handed over
    signals: (g, action) => { decision = future; B.g = g; B.a = action; B.f() },
  };
};

test("first visit under opt-in (TCF): the GPP event order of the specification's example 1", () => {
  const p = page({ signals: frSignals(false), config: tcfConfig, decision: null });
  assert.deepEqual(p.log, ["gpp:listenerRegistered", "tcf:cmpuishown", "gpp:cmpStatus=loaded"]);
  p.show("b");                      // the banner appears
  p.show("o");                      // the visitor opens the preferences from it
  p.act();                          // and saves
  p.hide("o"); p.hide("b");
  p.signals(frSignals(true), true); // the server's answer
  assert.deepEqual(p.log.slice(3), ["gpp:cmpDisplayStatus=visible", "gpp:cmpDisplayStatus=hidden", "gpp:sectionChange=tcfeuv2",
    "tcf:useractioncomplete", "gpp:signalStatus=ready"]);
  let ping;
  p.win.__gpp("ping", d => { ping = d });
  assert.equal(ping.signalStatus, "ready");
  assert.equal(ping.gppString, "DBABMA~CONSENTED");
  let tc;
  p.win.__tcfapi("getTCData", 2, d => { tc = d });
  assert.equal(tc.eventStatus, "useractioncomplete");
  assert.equal(tc.tcString, "CONSENTED");
});

test("a returning visitor: tcloaded, and the GPP order of example 2, with a preference-center visit", () => {
  const p = page({ signals: frSignals(true), config: tcfConfig, decision: future });
  assert.deepEqual(p.log, ["gpp:listenerRegistered", "tcf:tcloaded", "gpp:cmpStatus=loaded", "gpp:signalStatus=ready"]);
  p.show("o");
  p.hide("o");                      // closed without saving
  assert.deepEqual(p.log.slice(4), ["gpp:signalStatus=not ready", "gpp:cmpDisplayStatus=visible", "tcf:cmpuishown",
    "gpp:cmpDisplayStatus=hidden", "gpp:signalStatus=ready"]);
  const late = [];
  p.win.__tcfapi("addEventListener", 2, t => late.push(t.eventStatus));
  assert.deepEqual(late, ["tcloaded"], "closing without a change leaves the stored string loaded");
  p.show("o"); p.act(); p.hide("o");
  p.signals(frSignals(false), true);
  assert.deepEqual(p.log.slice(9), ["gpp:signalStatus=not ready", "gpp:cmpDisplayStatus=visible", "tcf:cmpuishown",
    "gpp:cmpDisplayStatus=hidden", "gpp:sectionChange=tcfeuv2", "tcf:useractioncomplete", "gpp:signalStatus=ready"]);
  assert.deepEqual(late, ["tcloaded", "cmpuishown", "useractioncomplete"]);
});

test("opt-out (California): ready with the defaults, not ready while a choice is processed", () => {
  const p = page({ signals: caSignals(false), config: { regime: "opt-out", policyVersion: 1 }, decision: null });
  p.show("b");
  assert.deepEqual(p.log, ["gpp:listenerRegistered", "tcf:gdprApplies=false", "gpp:cmpStatus=loaded", "gpp:signalStatus=ready",
    "gpp:cmpDisplayStatus=visible"]);
  p.act(); p.hide("b");
  p.signals(caSignals(true), true);
  assert.deepEqual(p.log.slice(5), ["gpp:signalStatus=not ready", "gpp:cmpDisplayStatus=hidden", "gpp:sectionChange=usca",
    "gpp:signalStatus=ready"], "no TCF event where TCF does not apply");
  let usp, has, sec, fld;
  p.win.__uspapi("getUSPData", 1, (d, ok) => { usp = [d, ok] });
  p.win.__gpp("hasSection", (d, ok) => { has = [d, ok] }, "usca");
  p.win.__gpp("getSection", d => { sec = d }, "usca");
  p.win.__gpp("getField", d => { fld = d }, "usca.SaleOptOut");
  assert.deepEqual(usp, [{ version: 1, uspString: "1YYN" }, true]);
  assert.deepEqual(has, [true, true]);
  assert.equal(sec.length, 2);
  assert.equal(fld, 1);
});

test("a failed request ends the pending state without inventing a change", () => {
  const p = page({ signals: caSignals(false), config: { regime: "opt-out", policyVersion: 1 }, decision: null });
  const before = p.log.length;
  p.act();
  p.B.f();                          // the POST failed: same signals object
  assert.deepEqual(p.log.slice(before), ["gpp:signalStatus=not ready", "gpp:signalStatus=ready"]);
});

test("the queue drains in order when the full APIs load, then the APIs answer directly", () => {
  const win = {}, B = { q: [], l: [], n: 0, g: null, c: () => tcfConfig, d: () => null };
  W.stubs(win, B, () => {});
  const order = [];
  win.__gpp("addEventListener", e => order.push("gpp " + e.eventName + " " + e.listenerId));
  win.__gpp("getField", v => order.push("field " + v), "tcfeuv2.CmpId");
  win.__tcfapi("addEventListener", 2, t => order.push("tcf " + t.listenerId + " " + t.cmpStatus));
  win.__uspapi("getUSPData", 1, d => order.push("usp " + d.uspString));
  win.__gpp("removeEventListener", (ok, s) => order.push("removed " + ok + " " + s), 1);
  win.__tcfapi("getTCData", 1, (d, ok) => order.push("v1 " + d + " " + ok));
  B.g = frSignals(false);
  S.api(B, win, { querySelector: () => null });
  assert.deepEqual(order, ["gpp listenerRegistered 1", "field 300", "tcf 1 loaded", "usp 1---", "removed true true", "v1 null false"]);
  assert.deepEqual(B.q, []);
  let r;
  win.__tcfapi("removeEventListener", 2, (ok, s) => { r = [ok, s] }, 1);
  assert.deepEqual(r, [true, true]);
  win.__tcfapi("removeEventListener", 2, (ok, s) => { r = [ok, s] }, 1);
  assert.deepEqual(r, [false, true]);
  win.__gpp("removeEventListener", (ok, s) => { r = [ok, s] }, 1);
  assert.deepEqual(r, [false, true]);
  win.__gpp("addEventListener", e => { r = [e.eventName, e.listenerId, e.pingData.cmpStatus] });
  assert.deepEqual(r, ["listenerRegistered", 2, "loaded"], "listener IDs continue from the stub's");
  win.__gpp("noSuchCommand", (d, ok) => { r = [d, ok] });
  assert.deepEqual(r, [null, false]);
  win.__tcfapi("noSuchCommand", 2, (d, ok) => { r = [d, ok] });
  assert.deepEqual(r, [null, false]);
  win.__uspapi("getUSPData", 2, (d, ok) => { r = [d, ok] });
  assert.deepEqual(r, [null, false]);
  for (const v of [0, null, undefined, 2]) {
    win.__tcfapi("getTCData", v, (d, ok) => { r = [d && d.tcString, ok] });
    assert.deepEqual(r, ["DEFAULT", true], String(v));
  }
});

test("a listener that throws does not stop the others", () => {
  const p = page({ signals: caSignals(false), config: { regime: "opt-out", policyVersion: 1 }, decision: null });
  const got = [];
  p.win.__gpp("addEventListener", e => { if (e.eventName != "listenerRegistered") throw new Error("boom") });
  p.win.__gpp("addEventListener", e => got.push(e.eventName));
  p.show("b");
  assert.deepEqual(got, ["listenerRegistered", "cmpDisplayStatus"]);
});
