/* Assent industry signals: the full __tcfapi (IAB TCF v2.2 CMP API), __gpp (IAB GPP CMP API 1.1) and __uspapi
   (IAB USP API 1.0) over the signals the server encodes, and the TCF part of the preference center. assent.js loads
   this file only when a page calls one of the APIs or a TCF property shows its UI; it never encodes a string itself.
   Pure logic first (exported for node tests), then the APIs and their events, then the preference-center section.
   This is the source: scripts/build-widget makes the served Sources/AssentServer/Resources/widget/assent-signals.js
   from it (edit here, then run the script). */
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
  // status: vis, the banner or the preferences are on the page; rdy, GPP's signalStatus is "ready"; pend, a user
  // action's request is under way. (tcPing and gppPing read vis and rdy.)
  const status = { vis: false, rdy: false, pend: false }, tcfListeners = new Map();
  let lastTcfListener = 0, tcfEventStatus, lastSignals = B.g, objections = null;
  const config = () => B.c() || {};
  const signals = () => B.g || {};
  const decided = () => {
    const decision = B.d(), current = B.c();
    return !!decision && +decision.e > Date.now() / 1e3 && (!current || current.policyVersion == decision.v);
  };
  const onPage = selector => !!D.querySelector(selector);
  // a caller's callback that throws must not stop the others
  const call = (callback, ...args) => { try { callback(...args) } catch (e) {} };
  const fireGpp = (eventName, data) => {
    for (const [id, callback] of [...B.l]) {
      call(callback, { eventName, listenerId: id, data, pingData: gppPing(signals(), config(), status) }, true);
    }
  };
  const fireTcf = eventStatus => {
    tcfEventStatus = eventStatus;
    if (!applies(signals())) return;
    for (const [id, callback] of [...tcfListeners]) call(callback, tcData(signals(), config(), tcfEventStatus, id), true);
  };

  const tcfapi = (command, version, callback, parameter) => {
    if (typeof callback != "function") return;
    if (command == "ping") return callback(tcPing(signals(), config(), status), true);
    if (!(version == null || version === 0 || version == 2)) return callback(null, false);
    if (command == "addEventListener") {
      tcfListeners.set(++lastTcfListener, callback);
      callback(tcData(signals(), config(), tcfEventStatus, lastTcfListener), true);
    } else if (command == "removeEventListener") {
      callback(tcfListeners.delete(+parameter), true);
    } else if (command == "getTCData") {
      callback(tcData(signals(), config(), tcfEventStatus, void 0, Array.isArray(parameter) ? parameter : null), true);
    } else {
      callback(null, false);
    }
  };
  const gpp = (command, callback, parameter) => {
    if (typeof callback != "function") return;
    if (command == "ping") callback(gppPing(signals(), config(), status), true);
    else if (command == "addEventListener") {
      B.l.push([++B.n, callback]);
      callback({ eventName: "listenerRegistered", listenerId: B.n, data: true, pingData: gppPing(signals(), config(), status) }, true);
    } else if (command == "removeEventListener") {
      const at = B.l.findIndex(listener => listener[0] == parameter);
      if (at >= 0) B.l.splice(at, 1);
      callback(at >= 0, true);
    } else if (command == "hasSection") callback(has(sections(signals()), parameter), true);
    else if (command == "getSection") callback(section(signals(), parameter), true);
    else if (command == "getField") callback(field(signals(), parameter), true);
    else callback(null, false);
  };
  const uspapi = (command, version, callback) => {
    if (typeof callback != "function") return;
    if (command == "getUSPData" && (version == null || version == 1)) {
      callback({ version: 1, uspString: signals().usPrivacy || "1---" }, true);
    } else {
      callback(null, false);
    }
  };

  // GPP: signalStatus "not ready" first, then the display and section events, "ready" last; it is ready when a
  // current decision exists or the regime allows before a choice, and no user action or preference center is open.
  // TCF: "cmpuishown" whenever the UI surfaces, "useractioncomplete" after a choice, "tcloaded" for a stored one.
  const refresh = () => {
    const preferences = onPage("body > .assent-o"), visible = preferences || onPage("body > .assent-b");
    const ready = !status.pend && !preferences && (decided() || config().regime != "opt-in");
    if (status.rdy && !ready) {
      status.rdy = false;
      fireGpp("signalStatus", "not ready");
    }
    if (visible != status.vis) {
      status.vis = visible;
      fireGpp("cmpDisplayStatus", visible ? "visible" : "hidden");
      if (visible && tcfEventStatus != "cmpuishown") fireTcf("cmpuishown");
      else if (!visible && !status.pend && decided()) tcfEventStatus = "tcloaded";
    }
    if (preferences) addTcfSection();
    else if (!status.pend) objections = null; // the preference center closed: changes it did not save are forgotten
    if (!status.rdy && ready) {
      status.rdy = true;
      fireGpp("signalStatus", "ready");
    }
  };
  // new signals (B.g) from assent.js: the sections that changed, the TCF event, then the display and readiness
  const update = () => {
    if (B.g === lastSignals) return refresh();
    const was = lastSignals || {}, changedSections = changed(was, B.g);
    lastSignals = B.g;
    if (changedSections.length || was.gpp != signals().gpp) {
      if (status.rdy) {
        status.rdy = false;
        fireGpp("signalStatus", "not ready");
      }
      for (const prefix of changedSections) fireGpp("sectionChange", prefix);
    }
    if (B.a || was.tcString != signals().tcString) {
      fireTcf(B.a ? "useractioncomplete" : decided() && !status.vis ? "tcloaded" : "cmpuishown");
    }
    refresh();
  };
  const addTcfSection = () => {
    const body = D.querySelector(".assent-o .assent-c"), tcf = config().tcf;
    if (body && tcf && !body.querySelector(".assent-tcf")) {
      body.append(tcfSection(D, config(), signals(), (objections = saved(signals()))));
    }
  };

  tcfEventStatus = decided() && !onPage("body > .assent-o, body > .assent-b") ? "tcloaded" : "cmpuishown";
  // assent.js calls B.f(1, action) when a user action starts, B.f() when it ends
  B.f = (starts, action) => {
    if ((status.pend = starts === 1)) B.x = extra(action, config().tcf, objections);
    starts === 1 ? refresh() : update();
  };
  W.__tcfapi = tcfapi;
  W.__gpp = gpp;
  W.__uspapi = uspapi;
  // the calls the stubs queued, in order
  for (const [name, args] of B.q.splice(0)) call(W[name], ...args);
  fireGpp("cmpStatus", "loaded");
  refresh();
  if (D.body && typeof MutationObserver == "function") new MutationObserver(refresh).observe(D.body, { childList: true });
  return { tcfapi, gpp, uspapi, upd: refresh };
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

// The section. objections: the visitor's ({v, p}: sets of vendor and purpose ids), changed by the section's
// checkboxes (which then set objections.k).
const tcfSection = (D, c, g, objections = saved(g)) => {
  const tcf = c.tcf, state = sections(g).tcfeuv2 || {}, text = key => label(c, key), objectable = interests(tcf);
  const element = (tag, className, content) => {
    const node = D.createElement(tag);
    if (className) node.className = className;
    if (content != null) node.textContent = content;
    return node;
  };
  // a labelled checkbox to object to the legitimate interest of a vendor or purpose (kind "v" or "p"), named also
  // by the element nameId; nothing when there is nothing to object to
  const objection = (kind, id, nameId) => {
    if (!objectable[kind].includes(id)) return [];
    const row = element("p", "assent-li"), box = element("input"), boxLabel = element("label", 0, text("tcfObjectTo"));
    const objected = objections[kind];
    box.type = "checkbox";
    box.id = "assent-li-" + kind + id;
    boxLabel.id = box.id + "-l";
    boxLabel.htmlFor = box.id;
    box.setAttribute("aria-labelledby", boxLabel.id + " " + nameId);
    box.checked = objected.has(id);
    // styled here: assent.css (the core budget) does not carry the TCF section's rules
    Object.assign(row.style, { display: "flex", alignItems: "center", gap: ".5rem" });
    Object.assign(box.style, { flex: "none", width: "1.25rem", height: "1.25rem", margin: "0" });
    box.onchange = () => {
      box.checked ? objected.add(id) : objected.delete(id);
      objections.k = 1;
    };
    row.append(box, boxLabel);
    return [row];
  };
  const named = (name, kind, id) => {
    const node = element("p", "assent-rt", name);
    node.id = "assent-li-" + kind + id + "-n";
    return node;
  };
  const names = (list, wanted) =>
    (wanted || []).map(id => ((list || []).find(item => item.id == id) || {}).name || "#" + id).join(", ");
  const categoryTitles = keys =>
    (keys || []).map(key => ((c.categories || []).find(category => category.key == key) || {}).title || key).join(", ");
  const stateText = (on, id, yes, no) => text((on || []).includes(id) ? yes : no);
  const legitimateInterestPurposes = new Set((tcf.vendors || []).flatMap(vendor => vendor.legIntPurposes || []));
  // a <details> whose list is built the first time it opens (so nothing hidden in a closed one can take focus)
  const group = (title, count, build) => {
    const details = element("details"), list = element("ul");
    details.append(element("summary", 0, title + " (" + count + ")"), list);
    details.addEventListener("toggle", () => {
      if (details.open && !list.firstChild) build(list);
    });
    return details;
  };
  const vendorDetails = (item, vendor) => {
    const line = (key, content) => {
      if (content) item.append(element("p", 0, text(key) + ": " + content));
    };
    if ((vendor.purposes || []).length) {
      line("tcfConsent", stateText(state.vendorConsents, vendor.id, "tcfGiven", "tcfNotGiven") + " \u2014 " +
        names(tcf.purposes, vendor.purposes));
    }
    if ((vendor.legIntPurposes || []).length) {
      line("tcfLegInt", stateText(state.vendorLegitimateInterests, vendor.id, "tcfEstablished", "tcfObjected") +
        " \u2014 " + names(tcf.purposes, vendor.legIntPurposes));
      const box = objection("v", vendor.id, "assent-li-v" + vendor.id + "-n");
      if (box.length) item.append(element("p", 0, text("tcfObject")), ...box);
    }
    line("tcfFlexible", names(tcf.purposes, vendor.flexiblePurposes));
    line("tcfSpecialPurposes", names(tcf.specialPurposes, vendor.specialPurposes));
    line("tcfFeatures", names(tcf.features, vendor.features));
    line("tcfSpecialFeatures", names(tcf.specialFeatures, vendor.specialFeatures));
    const retention = vendor.dataRetention || {}, days = n => n + " " + text("tcfDays"), parts = [];
    if (retention.stdRetention != null) parts.push(days(retention.stdRetention));
    for (const id in retention.purposes || {}) parts.push(names(tcf.purposes, [+id]) + ": " + days(retention.purposes[id]));
    for (const id in retention.specialPurposes || {}) {
      parts.push(names(tcf.specialPurposes, [+id]) + ": " + days(retention.specialPurposes[id]));
    }
    line("tcfRetention", parts.join("; "));
    const link = (url, key) => {
      url = safeUrl(url);
      if (!url) return;
      const anchor = element("a", 0, text(key)), paragraph = element("p");
      anchor.href = url;
      anchor.target = "_blank";
      anchor.rel = "noopener noreferrer";
      paragraph.append(anchor);
      item.append(paragraph);
    };
    link(vendor.policyUrl, "tcfPolicy");
    if ((vendor.legIntPurposes || []).length) link(vendor.legIntClaimUrl, "tcfClaim");
  };

  const wrapper = element("div", "assent-r assent-tcf");
  wrapper.append(element("p", "assent-rt", text("tcfTitle")));
  wrapper.append(group(text("tcfPurposes"), (tcf.purposes || []).length, list => {
    for (const purpose of tcf.purposes || []) {
      const item = element("li");
      item.append(named(purpose.name, "p", purpose.id), element("p", 0, purpose.description));
      let line = text("tcfConsent") + ": " + stateText(state.purposesConsent, purpose.id, "tcfGiven", "tcfNotGiven");
      if (legitimateInterestPurposes.has(purpose.id)) {
        line += " \u00b7 " + text("tcfLegInt") + ": " +
          stateText(state.purposesLITransparency, purpose.id, "tcfEstablished", "tcfObjected");
      }
      item.append(element("p", 0, line), ...objection("p", purpose.id, "assent-li-p" + purpose.id + "-n"));
      if ((purpose.categories || []).length) item.append(element("p", 0, text("tcfThrough") + ": " + categoryTitles(purpose.categories)));
      list.append(item);
    }
  }));
  wrapper.append(group(text("tcfSpecialFeatures"), (tcf.specialFeatures || []).length, list => {
    for (const feature of tcf.specialFeatures || []) {
      const item = element("li");
      item.append(element("p", "assent-rt", feature.name), element("p", 0, feature.description),
        element("p", 0, text("tcfConsent") + ": " + stateText(state.specialFeatureOptIns, feature.id, "tcfGiven", "tcfNotGiven")));
      if ((feature.categories || []).length) item.append(element("p", 0, text("tcfThrough") + ": " + categoryTitles(feature.categories)));
      list.append(item);
    }
  }));
  wrapper.append(group(text("tcfVendors"), (tcf.vendors || []).length, list => {
    for (const vendor of tcf.vendors || []) {
      const item = element("li");
      item.append(named(vendor.name, "v", vendor.id));
      vendorDetails(item, vendor);
      list.append(item);
    }
  }));
  return wrapper;
};

const X = { sid, subsections, section, parsed, sectionList, field, changed, cmp, tcData, tcPing, gppPing, restrictions, api, tcfSection, label, safeUrl, interests, saved, extra, SUPPORTED };
if (typeof module == "object" && module.exports) module.exports = X;
if (typeof document == "undefined" || !window.assent || !window.assent._s || window.assent._s.f) return;
api(window.assent._s, window, document);
})();
