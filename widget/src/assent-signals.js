/* Assent industry signals: the full __tcfapi (IAB TCF v2.2 CMP API), __gpp (IAB GPP CMP API 1.1) and __uspapi
   (IAB USP API 1.0) over the signals the server encodes, and the TCF part of the preference center. assent.js loads
   this file only when a page calls one of the APIs or a TCF property shows its UI; it never encodes a string itself.
   Pure logic first (exported for node tests), then the APIs and their events, then the preference-center section. */
(function () {
"use strict";
// GPP section IDs: the API prefix at index ID - 1
const PREFIXES = "tcfeuv1 tcfeuv2 header gppsi tcfcav1 uspv1 usnat usca usva usco usut usct usfl usmt usor ustx usde usia usne usnh usnj ustn usmn usmd usin usky usri".split(" ");
const sid = p => PREFIXES.indexOf(p) + 1 || +p || 0;
// the sections the server can encode, as "ID:prefix"
const SUPPORTED = ["tcfeuv2", "uspv1", "usnat", "usca", "usva", "usco", "usut", "usct"].map(p => sid(p) + ":" + p);
// the server names fields in lowerCamelCase after the specifications; the GPP API uses the GPP field names
const NAMES = { purposesConsent: "PurposeConsent", vendorConsents: "VendorConsent", vendorLegitimateInterests: "VendorLegitimateInterest" };
// other names callers use for tcfeuv2 fields (the reference libraries'), lower-cased, to the GPP names
const ALIASES = {
  purposeconsents: "purposeconsent", vendorconsents: "vendorconsent", vendorlegitimateinterests: "vendorlegitimateinterest",
  purposelegitimateinterests: "purposeslitransparency", policyversion: "tcfpolicyversion", publishercountrycode: "publishercc",
  usenonstandardstacks: "usenonstandardtexts",
};
const SEGMENTS = { disclosedVendors: 1, allowedVendors: 2, publisherTC: 3 };
const has = (o, k) => !!o && typeof o == "object" && Object.prototype.hasOwnProperty.call(o, k);
const cap = k => NAMES[k] || k[0].toUpperCase() + k.slice(1);
const caps = o => { const r = {}; for (const k in o) r[cap(k)] = o[k]; return r };
const sections = g => g && g.sections && typeof g.sections == "object" ? g.sections : {};

// A section as the GPP API shows it: an array of sub-section objects, the core first, with the GPP field names;
// a GPC flag becomes the GPC sub-section, TCF's optional segments follow the core. null for a raw (undecoded) one.
const subsections = (p, s) => {
  if (!s || typeof s != "object") return null;
  const core = {}, more = [];
  for (const k in s) {
    const v = s[k];
    if (k == "gpc") more.push({ SubsectionType: 1, Gpc: v });
    else if (has(SEGMENTS, k)) more.push(k == "publisherTC" ? { SegmentType: 3, ...caps(v) } : { SegmentType: SEGMENTS[k], [cap(k)]: v });
    else core[cap(k)] = p == "tcfeuv2" && (k == "created" || k == "lastUpdated") ? new Date(v) : v;
  }
  return [core, ...more.sort((a, b) => (a.SegmentType || 0) - (b.SegmentType || 0))]
};
const section = (g, p) => has(sections(g), p) ? subsections(p, sections(g)[p]) : null;
const parsed = g => { const r = {}; for (const p in sections(g)) { const s = section(g, p); if (s) r[p] = s } return r };
const sectionList = g => Object.keys(sections(g)).map(sid).filter(Boolean).sort((a, b) => a - b);
// getField("usca.SaleOptOut"): the first sub-section that has the field; names match without regard to case
const field = (g, path) => {
  const s = String(path), i = s.indexOf("."), subs = i > 0 ? section(g, s.slice(0, i)) : null;
  if (!subs) return null;
  let f = s.slice(i + 1).toLowerCase();
  f = ALIASES[f] || f;
  for (const o of subs) for (const k in o) if (k.toLowerCase() == f) return o[k];
  return null
};
// the sections whose content differs between two signal objects, in section-ID order
const changed = (a, b) => {
  const x = sections(a), y = sections(b);
  return [...new Set([...Object.keys(x), ...Object.keys(y)])]
    .filter(p => JSON.stringify(x[p]) != JSON.stringify(y[p])).sort((p, q) => sid(p) - sid(q))
};

// CMP identity: the imported vendor list's, else the TC string's, else what the signals say; 1 is the ID the GPP
// specification gives string creators without an IAB-registered one
const cmp = (g, c) => {
  const t = c && c.tcf || {}, s = sections(g).tcfeuv2 || {}, v = k => t[k] != null ? t[k] : s[k] != null ? s[k] : g && g[k] != null ? g[k] : c && c[k];
  return { cmpId: v("cmpId") != null ? v("cmpId") : 1, cmpVersion: v("cmpVersion") != null ? v("cmpVersion") : 1, tcfPolicyVersion: v("tcfPolicyVersion"), gvlVersion: v("vendorListVersion") }
};
const applies = g => !!(g && g.tcString);
// {id: true|false}: false for every known id, true for the ones given
const vec = (on, all) => { const r = {}; for (const i of all || []) r[i] = false; for (const i of on || []) r[i] = true; return r };
const only = (on, want) => { const r = {}; for (const i of want) r[i] = (on || []).includes(+i); return r };
const ids = l => (l || []).map(x => x.id);
// publisher restrictions {purposeId: {vendorId: type}} from the server's [{purposeId, restrictionType, vendorRanges}]
const restrictions = l => {
  const r = {};
  for (const x of l || []) {
    const p = r[x.purposeId] = r[x.purposeId] || {};
    for (const [a, b] of x.vendorRanges || []) for (let v = a; v <= b && v <= 65535; v++) p[v] = x.restrictionType
  }
  return r
};

// TCData (CMP API v2.2) for a listener (lid) or getTCData (vendorIds: only those vendors); when TCF does not apply,
// only what the specification allows then (plus the status and the listener's id, as the reference CMP API does)
const tcData = (g, c, eventStatus, lid, vendorIds) => {
  const m = cmp(g, c);
  if (!applies(g)) return { gdprApplies: false, tcfPolicyVersion: m.tcfPolicyVersion, cmpId: m.cmpId, cmpVersion: m.cmpVersion, cmpStatus: "loaded", listenerId: lid };
  const t = c && c.tcf || {}, s = sections(g).tcfeuv2 || {}, pub = s.publisherTC || {}, vs = ids(t.vendors);
  const vend = on => vendorIds ? only(on, vendorIds) : vec(on, vs);
  return {
    tcString: g.tcString, tcfPolicyVersion: m.tcfPolicyVersion, cmpId: m.cmpId, cmpVersion: m.cmpVersion, gdprApplies: true,
    eventStatus, cmpStatus: "loaded", listenerId: lid, isServiceSpecific: s.isServiceSpecific !== false,
    useNonStandardTexts: !!s.useNonStandardTexts, useNonStandardStacks: !!s.useNonStandardTexts,
    publisherCC: s.publisherCC || t.publisherCC, purposeOneTreatment: !!s.purposeOneTreatment,
    purpose: { consents: vec(s.purposesConsent, ids(t.purposes)), legitimateInterests: vec(s.purposesLITransparency, ids(t.purposes)) },
    vendor: { consents: vend(s.vendorConsents), legitimateInterests: vend(s.vendorLegitimateInterests), disclosedVendors: vend(s.disclosedVendors) },
    specialFeatureOptins: vec(s.specialFeatureOptIns, ids(t.specialFeatures)),
    publisher: {
      consents: vec(pub.pubPurposesConsent), legitimateInterests: vec(pub.pubPurposesLITransparency),
      customPurpose: { consents: vec(pub.customPurposesConsent), legitimateInterests: vec(pub.customPurposesLITransparency) },
      restrictions: restrictions(s.pubRestrictions),
    },
  }
};
const tcPing = (g, c, st) => {
  const m = cmp(g, c);
  return {
    gdprApplies: applies(g), cmpLoaded: true, cmpStatus: "loaded", displayStatus: !applies(g) ? "disabled" : st.vis ? "visible" : "hidden",
    apiVersion: "2.2", cmpVersion: m.cmpVersion, cmpId: m.cmpId, gvlVersion: m.gvlVersion, tcfPolicyVersion: m.tcfPolicyVersion,
  }
};
// The right to object to legitimate interest. What can be objected to, counted as the server counts it: the purposes
// shown that a vendor shown declares a legitimate interest for (never 1 or 3-6, consent only since TCF 2.2), and the
// vendors declaring one of those ({p, v}: ascending ids)
const interests = t => {
  const vs = t && t.vendors || [], d = new Set(vs.flatMap(v => v.legIntPurposes || []));
  const p = ids(t && t.purposes).filter(i => d.has(i) && ![1, 3, 4, 5, 6].includes(i)).sort((a, b) => a - b);
  return { p, v: vs.filter(v => (v.legIntPurposes || []).some(i => p.includes(i))).map(v => v.id).sort((a, b) => a - b) }
};
// the objections in force, as the signals carry them (tcf: {vendorLIObjections, purposeLIObjections}), as sets
const saved = g => { const o = g && g.tcf || {}; return { v: new Set(o.vendorLIObjections || []), p: new Set(o.purposeLIObjections || []), k: 0 } };
// what a consent body adds for action a where TCF applies (t: the config's tcf): Accept All withdraws every objection,
// Reject All objects to every legitimate interest shown, Save sends the visitor's objections o once one was changed
// (o.k); nothing otherwise, and the server keeps the objections in force
const extra = (a, t, o) => {
  if (!t) return;
  const i = interests(t), tcf = (v, p) => ({ tcf: { vendorLIObjections: v, purposeLIObjections: p } });
  if (a == "accept_all") return tcf([], []);
  if (a == "reject_all") return tcf(i.v, i.p);
  if (a == "save" && o && o.k) return tcf(i.v.filter(x => o.v.has(x)), i.p.filter(x => o.p.has(x)))
};

// GPP pingData (CMP API 1.1)
const gppPing = (g, c, st) => ({
  gppVersion: "1.1", cmpStatus: "loaded", cmpDisplayStatus: st.vis ? "visible" : "hidden", signalStatus: st.rdy ? "ready" : "not ready",
  supportedAPIs: [...SUPPORTED], cmpId: cmp(g, c).cmpId, sectionList: sectionList(g),
  applicableSections: g && g.gppSid && g.gppSid.length ? [...g.gppSid] : [-1], gppString: g && g.gpp || "", parsedSections: parsed(g),
});

// The APIs over the bridge B that assent.js shares (queued calls q, early GPP listeners l and their counter n, signals g,
// whether a user action made them a, config c(), decision d()), and their events: B.f(1, action) when a user action
// starts (B.x is then what its consent body adds, see extra), B.f() when it ends (new signals or a failed request); the
// preference center's coming and going is seen in the DOM.
const api = (B, W, D) => {
  const st = { vis: false, rdy: false, pend: false }, T = new Map();
  let tn = 0, es, last = B.g, ob = null;
  const c = () => B.c() || {};
  const g = () => B.g || {};
  const decided = () => { const d = B.d(), k = B.c(); return !!d && +d.e > Date.now() / 1e3 && (!k || k.policyVersion == d.v) };
  const ui = s => !!D.querySelector(s);
  const call = (f, ...a) => { try { f(...a) } catch (e) {} };
  const fireG = (eventName, data) => { for (const [id, f] of [...B.l]) call(f, { eventName, listenerId: id, data, pingData: gppPing(g(), c(), st) }, true) };
  const fireT = s => { es = s; if (applies(g())) for (const [id, f] of [...T]) call(f, tcData(g(), c(), es, id), true) };

  const tcfapi = (cmd, v, cb, p) => {
    if (typeof cb != "function") return;
    if (cmd == "ping") return cb(tcPing(g(), c(), st), true);
    if (!(v == null || v === 0 || v == 2)) return cb(null, false);
    if (cmd == "addEventListener") { T.set(++tn, cb); cb(tcData(g(), c(), es, tn), true) }
    else if (cmd == "removeEventListener") cb(T.delete(+p), true);
    else if (cmd == "getTCData") cb(tcData(g(), c(), es, void 0, Array.isArray(p) ? p : null), true);
    else cb(null, false)
  };
  const gpp = (cmd, cb, p) => {
    if (typeof cb != "function") return;
    if (cmd == "ping") cb(gppPing(g(), c(), st), true);
    else if (cmd == "addEventListener") { B.l.push([++B.n, cb]); cb({ eventName: "listenerRegistered", listenerId: B.n, data: true, pingData: gppPing(g(), c(), st) }, true) }
    else if (cmd == "removeEventListener") { const i = B.l.findIndex(x => x[0] == p); if (i >= 0) B.l.splice(i, 1); cb(i >= 0, true) }
    else if (cmd == "hasSection") cb(has(sections(g()), p), true);
    else if (cmd == "getSection") cb(section(g(), p), true);
    else if (cmd == "getField") cb(field(g(), p), true);
    else cb(null, false)
  };
  const uspapi = (cmd, v, cb) => {
    if (typeof cb != "function") return;
    cmd == "getUSPData" && (v == null || v == 1) ? cb({ version: 1, uspString: g().usPrivacy || "1---" }, true) : cb(null, false)
  };

  // GPP: signalStatus "not ready" first, then the display and section events, "ready" last; it is ready when a
  // current decision exists or the regime allows before a choice, and no user action or preference center is open.
  // TCF: "cmpuishown" whenever the UI surfaces, "useractioncomplete" after a choice, "tcloaded" for a stored one.
  const upd = () => {
    const o = ui("body > .assent-o"), vis = o || ui("body > .assent-b"), rdy = !st.pend && !o && (decided() || c().regime != "opt-in");
    if (st.rdy && !rdy) { st.rdy = false; fireG("signalStatus", "not ready") }
    if (vis != st.vis) {
      st.vis = vis;
      fireG("cmpDisplayStatus", vis ? "visible" : "hidden");
      if (vis && es != "cmpuishown") fireT("cmpuishown");
      else if (!vis && !st.pend && decided()) es = "tcloaded";
    }
    if (o) inject();
    else if (!st.pend) ob = null; // the preference center closed: changes it did not save are forgotten
    if (!st.rdy && rdy) { st.rdy = true; fireG("signalStatus", "ready") }
  };
  const update = () => {
    if (B.g === last) return upd();
    const was = last || {}, ch = changed(was, B.g);
    last = B.g;
    if (ch.length || was.gpp != g().gpp) {
      if (st.rdy) { st.rdy = false; fireG("signalStatus", "not ready") }
      for (const p of ch) fireG("sectionChange", p)
    }
    if (B.a || was.tcString != g().tcString) fireT(B.a ? "useractioncomplete" : decided() && !st.vis ? "tcloaded" : "cmpuishown");
    upd()
  };
  const inject = () => {
    const b = D.querySelector(".assent-o .assent-c"), t = c().tcf;
    if (b && t && !b.querySelector(".assent-tcf")) b.append(tcfSection(D, c(), g(), ob = saved(g())))
  };

  es = decided() && !ui("body > .assent-o, body > .assent-b") ? "tcloaded" : "cmpuishown";
  B.f = (k, a) => { if (st.pend = k === 1) B.x = extra(a, c().tcf, ob); k === 1 ? upd() : update() };
  W.__tcfapi = tcfapi; W.__gpp = gpp; W.__uspapi = uspapi;
  for (const [n, a] of B.q.splice(0)) call(W[n], ...a);
  fireG("cmpStatus", "loaded");
  upd();
  if (D.body && typeof MutationObserver == "function") new MutationObserver(upd).observe(D.body, { childList: true });
  return { tcfapi, gpp, uspapi, upd }
};

// --- the TCF section of the preference center: purposes, special features and vendors from the imported vendor list,
// with the visitor's current consent and legitimate-interest state; every text goes in as text ---
const LABELS = {
  en: {
    tcfTitle: "Vendors and purposes (IAB TCF)", tcfPurposes: "Purposes", tcfSpecialFeatures: "Special features", tcfVendors: "Vendors",
    tcfConsent: "Consent", tcfLegInt: "Legitimate interest", tcfFlexible: "Consent or legitimate interest", tcfSpecialPurposes: "Special purposes",
    tcfFeatures: "Features", tcfRetention: "Data retention", tcfDays: "days", tcfPolicy: "Privacy policy", tcfGiven: "given",
    tcfNotGiven: "not given", tcfEstablished: "established", tcfObjected: "objected", tcfThrough: "Given by allowing",
    tcfObject: "You have the right to object to processing based on legitimate interest: tick the box below and save your choices.",
    tcfClaim: "Legitimate interest claim", tcfObjectTo: "I object to processing based on legitimate interest",
  },
  es: {
    tcfTitle: "Proveedores y finalidades (IAB TCF)", tcfPurposes: "Finalidades", tcfSpecialFeatures: "Características especiales", tcfVendors: "Proveedores",
    tcfConsent: "Consentimiento", tcfLegInt: "Interés legítimo", tcfFlexible: "Consentimiento o interés legítimo", tcfSpecialPurposes: "Finalidades especiales",
    tcfFeatures: "Características", tcfRetention: "Conservación de datos", tcfDays: "días", tcfPolicy: "Política de privacidad", tcfGiven: "otorgado",
    tcfNotGiven: "no otorgado", tcfEstablished: "establecido", tcfObjected: "con oposición", tcfThrough: "Se otorga al permitir",
    tcfObject: "Tiene derecho a oponerse al tratamiento basado en el interés legítimo: marque la casilla de abajo y guarde sus preferencias.",
    tcfClaim: "Declaración de interés legítimo", tcfObjectTo: "Me opongo al tratamiento basado en el interés legítimo",
  },
};
// a label: the property's own text when the config carries one, else the built-in one for the language
const label = (c, k) => c.texts && c.texts[k] || (LABELS[c.lang] || LABELS.en)[k];
const safeUrl = u => { try { const x = new URL(u); return /^https?:$/.test(x.protocol) ? x.href : null } catch (e) { return null } };

// o: the visitor's objections ({v, p}: sets of ids), changed by the section's checkboxes (and then o.k set)
const tcfSection = (D, c, g, o = saved(g)) => {
  const t = c.tcf, s = sections(g).tcfeuv2 || {}, L = k => label(c, k), can = interests(t);
  const el = (tag, cls, x) => { const e = D.createElement(tag); if (cls) e.className = cls; if (x != null) e.textContent = x; return e };
  // a labelled checkbox to object to the legitimate interest of vendor or purpose id (named by the element nid), or nothing
  const objection = (kind, id, nid) => {
    if (!can[kind].includes(id)) return [];
    const q = el("p", "assent-li"), i = el("input"), l = el("label", 0, L("tcfObjectTo")), set = o[kind];
    i.type = "checkbox"; i.id = "assent-li-" + kind + id; l.id = i.id + "-l"; l.htmlFor = i.id;
    i.setAttribute("aria-labelledby", l.id + " " + nid);
    i.checked = set.has(id);
    Object.assign(q.style, { display: "flex", alignItems: "center", gap: ".5rem" });
    Object.assign(i.style, { flex: "none", width: "1.25rem", height: "1.25rem", margin: "0" });
    i.onchange = () => { i.checked ? set.add(id) : set.delete(id); o.k = 1 };
    q.append(i, l);
    return [q]
  };
  const named = (x, kind, id) => { const e = el("p", "assent-rt", x); e.id = "assent-li-" + kind + id + "-n"; return e };
  const names = (l, list) => (list || []).map(id => ((l || []).find(x => x.id == id) || {}).name || "#" + id).join(", ");
  const titles = keys => (keys || []).map(k => ((c.categories || []).find(x => x.key == k) || {}).title || k).join(", ");
  const state = (on, id, yes, no) => L((on || []).includes(id) ? yes : no);
  const liPurposes = new Set((t.vendors || []).flatMap(v => v.legIntPurposes || []));
  // a <details> whose list is built the first time it opens (so nothing hidden in a closed one can take focus)
  const group = (title, n, build) => {
    const d = el("details"), u = el("ul");
    d.append(el("summary", 0, title + " (" + n + ")"), u);
    d.addEventListener("toggle", () => { if (d.open && !u.firstChild) build(u) });
    return d
  };
  const w = el("div", "assent-r assent-tcf");
  w.append(el("p", "assent-rt", L("tcfTitle")));
  w.append(group(L("tcfPurposes"), (t.purposes || []).length, u => {
    for (const p of t.purposes || []) {
      const li = el("li");
      li.append(named(p.name, "p", p.id), el("p", 0, p.description));
      let x = L("tcfConsent") + ": " + state(s.purposesConsent, p.id, "tcfGiven", "tcfNotGiven");
      if (liPurposes.has(p.id)) x += " \u00b7 " + L("tcfLegInt") + ": " + state(s.purposesLITransparency, p.id, "tcfEstablished", "tcfObjected");
      li.append(el("p", 0, x), ...objection("p", p.id, "assent-li-p" + p.id + "-n"));
      if ((p.categories || []).length) li.append(el("p", 0, L("tcfThrough") + ": " + titles(p.categories)));
      u.append(li)
    }
  }));
  w.append(group(L("tcfSpecialFeatures"), (t.specialFeatures || []).length, u => {
    for (const f of t.specialFeatures || []) {
      const li = el("li");
      li.append(el("p", "assent-rt", f.name), el("p", 0, f.description), el("p", 0, L("tcfConsent") + ": " + state(s.specialFeatureOptIns, f.id, "tcfGiven", "tcfNotGiven")));
      if ((f.categories || []).length) li.append(el("p", 0, L("tcfThrough") + ": " + titles(f.categories)));
      u.append(li)
    }
  }));
  w.append(group(L("tcfVendors"), (t.vendors || []).length, u => {
    for (const v of t.vendors || []) {
      const li = el("li");
      li.append(named(v.name, "v", v.id));
      vendor(li, v);
      u.append(li)
    }
  }));
  const vendor = (d, v) => {
    const line = (k, x) => { if (x) d.append(el("p", 0, L(k) + ": " + x)) };
    if ((v.purposes || []).length) line("tcfConsent", state(s.vendorConsents, v.id, "tcfGiven", "tcfNotGiven") + " \u2014 " + names(t.purposes, v.purposes));
    if ((v.legIntPurposes || []).length) {
      line("tcfLegInt", state(s.vendorLegitimateInterests, v.id, "tcfEstablished", "tcfObjected") + " \u2014 " + names(t.purposes, v.legIntPurposes));
      const box = objection("v", v.id, "assent-li-v" + v.id + "-n");
      if (box.length) d.append(el("p", 0, L("tcfObject")), ...box)
    }
    line("tcfFlexible", names(t.purposes, v.flexiblePurposes));
    line("tcfSpecialPurposes", names(t.specialPurposes, v.specialPurposes));
    line("tcfFeatures", names(t.features, v.features));
    line("tcfSpecialFeatures", names(t.specialFeatures, v.specialFeatures));
    const r = v.dataRetention || {}, days = n => n + " " + L("tcfDays"), parts = [];
    if (r.stdRetention != null) parts.push(days(r.stdRetention));
    for (const id in r.purposes || {}) parts.push(names(t.purposes, [+id]) + ": " + days(r.purposes[id]));
    for (const id in r.specialPurposes || {}) parts.push(names(t.specialPurposes, [+id]) + ": " + days(r.specialPurposes[id]));
    line("tcfRetention", parts.join("; "));
    const link = (u, k) => { if (u = safeUrl(u)) { const a = el("a", 0, L(k)); a.href = u; a.target = "_blank"; a.rel = "noopener noreferrer"; const q = el("p"); q.append(a); d.append(q) } };
    link(v.policyUrl, "tcfPolicy");
    if ((v.legIntPurposes || []).length) link(v.legIntClaimUrl, "tcfClaim")
  };
  return w
};

const X = { sid, subsections, section, parsed, sectionList, field, changed, cmp, tcData, tcPing, gppPing, restrictions, api, tcfSection, label, safeUrl, interests, saved, extra, SUPPORTED };
if (typeof module == "object" && module.exports) module.exports = X;
if (typeof document == "undefined" || !window.assent || !window.assent._s || window.assent._s.f) return;
api(window.assent._s, window, document);
})();
