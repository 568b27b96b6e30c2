/* Assent consent widget. Pure logic first (exported for node tests), browser part below. */
(function () {
"use strict";
const enc = d => encodeURIComponent(JSON.stringify(d));
const dec = v => { try { const d = JSON.parse(decodeURIComponent(v)); return d && typeof d == "object" && d.c && typeof d.c == "object" ? d : null } catch (e) { return null } };
// newest (by t) decision among same-name cookies
const pick = (str, name) => {
  let b = null;
  for (const p of (str || "").split(";")) {
    const i = p.indexOf("=");
    if (i > 0 && p.slice(0, i).trim() == name) { const d = dec(p.slice(i + 1).trim()); if (d && (!b || (+d.t || 0) > (+b.t || 0))) b = d }
  }
  return b
};
const valid = (d, now) => !!d && +d.e > now;
const map = (c, f) => { const r = {}; for (const k in c) r[k] = f(c[k]); return r };
const bools = c => map(c, x => !!x);
const sec = s => Math.floor(Date.parse(s) / 1e3);
const fromResp = r => ({ s: r.subject, c: map(r.choices, x => x ? 1 : 0), v: r.policyVersion, t: sec(r.recordedAt), e: sec(r.expiresAt), g: r.gpc ? 1 : 0 });
// effective choices: required on; GPC turns gpc ones off; else base or default
const eff = (cf, base, gpc) => {
  const r = {};
  for (const c of cf.categories) r[c.key] = c.required ? true : gpc && c.gpc ? false : base && c.key in base ? !!base[c.key] : !!c.default;
  return r
};
const all = (cf, on) => { const r = {}; for (const c of cf.categories) r[c.key] = on; return r };
const gpcKeys = cf => cf ? cf.categories.filter(c => c.gpc).map(c => c.key) : ["sale", "targeting"];
const doomed = (cat, names) => names.filter(n => (cat.cookies || []).some(k => k.party == "first" && (k.prefix ? n.startsWith(k.name) : n == k.name)));
// Domain= values to expire on: "" (host-only), host, parents, cookie domain
const doms = (host, cd) => {
  const r = [""];
  if (!/^[\d.]+$|:/.test(host)) { const p = host.split("."); for (let i = 0; i < p.length - 1; i++) r.push(p.slice(i).join(".")) }
  if (cd) r.push(cd.replace(/^\./, ""));
  return [...new Set(r)]
};
// Domain= of the decision cookie: cookieDomain if the host is it or below
const cdom = (host, cd) => { cd = (cd || "").replace(/^\./, "").toLowerCase(); return cd && (host == cd || host.endsWith("." + cd)) ? cd : "" };
const ck = (name, d, dom, secure, now) => name + "=" + enc(d) + "; Path=/; SameSite=Lax; Max-Age=" + Math.max(0, d.e - now) + (dom ? "; Domain=" + dom : "") + (secure ? "; Secure" : "");
const sub = (t, title) => String(t || "").split("{category}").join(title);
const denied = () => { const r = {}; for (const k of "ad_storage analytics_storage ad_user_data ad_personalization functionality_storage personalization_storage security_storage".split(" ")) r[k] = k[0] == "s" ? "granted" : "denied"; return r };
const APIS = ["__tcfapi", "__gpp", "__uspapi"];
const gping = () => ({ gppVersion: "1.1", cmpStatus: "stub", cmpDisplayStatus: "hidden", signalStatus: "not ready", supportedAPIs: [], cmpId: 0, sectionList: [], applicableSections: [0], gppString: "", parsedSections: {} });
// IAB API stubs (ping answers, GPP listeners, others queue) and frame messages
const stubs = (W, B, need) => {
  const f = (n, h) => W[n] = (...a) => { B.p = 1; if (!h(...a)) B.q.push([n, a]); need() };
  f(APIS[0], (c, v, cb) => c == "ping" && (cb({ gdprApplies: void 0, cmpLoaded: false, cmpStatus: "stub", displayStatus: "hidden", apiVersion: "2.2" }, true), 1));
  f(APIS[1], (c, cb) => c == "ping" ? (cb(gping(), true), 1) : c == "addEventListener" &&
    (B.l.push([++B.n, cb]), cb({ eventName: "listenerRegistered", listenerId: B.n, data: true, pingData: gping() }, true), 1));
  f(APIS[2], () => 0)
};
const relay = (W, e) => {
  let m = e.data;
  const j = typeof m == "string";
  try { if (j) m = JSON.parse(m) } catch (x) { return }
  for (const n of APIS) {
    const c = m && m[n + "Call"];
    if (c && typeof c == "object") {
      const r = (v, ok) => { const o = { [n + "Return"]: { returnValue: v, success: ok, callId: c.callId } }; e.source?.postMessage(j ? JSON.stringify(o) : o, "*") };
      n == APIS[1] ? W[n](c.command, r, c.parameter, c.version) : W[n](c.command, c.version, r, c.parameter)
    }
  }
};

const X = { enc, dec, pick, valid, fromResp, eff, all, gpcKeys, doomed, doms, cdom, ck, sub, denied, stubs, relay };
if (typeof module == "object" && module.exports) module.exports = X;
if (typeof document == "undefined" || window.assent) return;

const D = document, H = D.documentElement;
const S = D.currentScript || D.querySelector('script[data-property][src*="assent.js"]');
if (!S) return;
const ds = S.dataset, O = new URL(S.src, location.href).origin, P = ds.property, R = ds.region || "";
const L = (ds.lang || (H.lang || "").split("-")[0] || "en").toLowerCase(), TTL = (+ds.configTtl || 3600) * 1e3;
const GPC = navigator.globalPrivacyControl === true, CK = "assent_" + P, LS = "assent:" + P + ":" + L;
const now = () => Math.floor(Date.now() / 1e3);
const E = encodeURIComponent, API = O + "/v1/properties/" + E(P);
let ch = {}, cf = null, cache = null, fx = null, net = 0, css = null, seq = 0, q = Promise.resolve(), d = pick(D.cookie, CK), I = ds.identity || window.assentIdentity;
const fns = [], ui = {}, W = window, SK = "assent:" + P + "#s";
// shared with assent-signals.js, loaded when signals are known and an API is called or TCF UI shows
const B = { q: [], l: [], n: 0, g: null, c: () => cf, d: () => d };
let sj = 0, bn = 0;
const need = () => {
  if (B.g && !sj && (B.p || cf && cf.tcf && (ui.b || ui.o))) { sj = 1; const s = D.createElement("script"); s.src = O + "/assent-signals.js"; s.nonce = S.nonce; (D.head || H).append(s) }
};
stubs(W, B, need);
W.addEventListener("message", e => relay(W, e));

window.assent = {
  v: 1,
  choices: () => ({ ...ch }),
  showPreferences: () => { prefs() },
  on: (e, f) => { if (e == "change" && typeof f == "function") fns.push(f) },
  decision: () => valid(d, now()) ? JSON.parse(JSON.stringify(d)) : null,
  _s: B
};

try { cache = JSON.parse(localStorage.getItem(LS)) } catch (e) {}
if (cache && cache.v && cache.v.categories && (!R || cache.v.region == R)) cf = cache.v; else cache = null;
try { const x = JSON.parse(localStorage.getItem(SK)); if (valid(d, now()) && x.s == d.s && x.v == d.v && x.t == d.t) B.g = x.g } catch (e) {}
W.dataLayer = W.dataLayer || [];
if (typeof W.gtag != "function") W.gtag = function () { W.dataLayer.push(arguments) };
W.gtag("consent", "default", B.g ? B.g.consentMode : { ...denied(), wait_for_update: 500 });
if (!B.g && cf && cf.signals) W.gtag("consent", "default", { ...cf.signals.consentMode, region: [cf.region], wait_for_update: 500 });
const sig = (g, a, k) => {
  if (k) try { localStorage.setItem(SK, JSON.stringify({ s: d.s, v: d.v, t: d.t, g })) } catch (e) {}
  if (g) { B.g = g; B.a = a; W.gtag("consent", "update", g.consentMode); need(); B.f && B.f() }
};
const fresh = () => cache && Date.now() - cache.at < TTL;
const get = (u, b) => fetch(u, { method: b && "POST", credentials: "omit", headers: { ...b && { "content-type": "application/json" }, ...I && { "assent-identity": I } }, body: b })
  .then(r => r.ok ? r.json() : I ? (I = 0, get(u, b)) : Promise.reject());
const load = () => fx || (fx = fresh() ? Promise.resolve(cf) :
  (net = 1, get(API + "/config?lang=" + E(L) + (R ? "&region=" + E(R) : ""))
    .then(v => { cf = v; cache = { at: Date.now(), v }; try { localStorage.setItem(LS, JSON.stringify(cache)) } catch (e) {} return v },
      e => { fx = null; if (cf) return cf; throw e })));

const ok = k => ch[k] === true;
const set = n => {
  ch = n; purge(); gate();
  for (const f of fns) try { f({ ...ch }) } catch (e) {}
  D.dispatchEvent(new CustomEvent("assent:change", { detail: { ...ch } }))
};
// expire listed cookies of denied categories
const purge = () => {
  if (!cf) return;
  const names = D.cookie.split(";").map(p => p.split("=")[0].trim()).filter(Boolean);
  for (const c of cf.categories) if (!c.required && ch[c.key] === false)
    for (const n of doomed(c, names)) for (const m of doms(location.hostname, cf.cookieDomain)) D.cookie = n + "=; Path=/; Max-Age=0" + (m ? "; Domain=" + m : "")
};
// while parsing, a script is complete once something follows it
const done = s => { if (D.readyState != "loading") return 1; for (let n = s; n; n = n.parentNode) if (n.nextSibling) return 1 };
const gate = () => {
  for (const s of D.querySelectorAll('script[type="text/plain"][data-assent]:not([data-assent-ran])')) if (ok(s.dataset.assent) && done(s)) run(s);
  for (const f of D.querySelectorAll("iframe[data-assent][data-src]")) frame(f)
};
const run = o => {
  o.setAttribute("data-assent-ran", "");
  const n = D.createElement("script");
  for (const a of o.attributes) if (!/^(type|data-assent|data-assent-ran|data-type)$/.test(a.name)) n.setAttribute(a.name, a.value);
  if (o.dataset.type) n.type = o.dataset.type;
  if (o.nonce) n.nonce = o.nonce;
  if (o.hasAttribute("src")) { if (!o.hasAttribute("async")) n.async = false } else n.text = o.text;
  o.after(n)
};
const frame = f => {
  const u = f.dataset.src;
  if (ok(f.dataset.assent)) {
    if (f._p) { f._p.remove(); f._p = null; f.style.display = "" }
    if (f.getAttribute("src") != u) f.src = u
  } else {
    if (f.hasAttribute("src")) { f.src = "about:blank"; f.removeAttribute("src") }
    if (!f._p) ph(f)
  }
};
const el = (t, c, x) => { const e = D.createElement(t); if (c) e.className = c; if (x != null) e.textContent = x; return e };
const btn = (x, f, c) => { const b = el("button", c || "assent-btn", x); b.type = "button"; b.onclick = f; return b };
const ph = f => {
  const k = f.dataset.assent, p = f._p = el("div", "assent assent-ph");
  f.style.display = "none"; f.before(p); loadCss();
  load().then(c => {
    const cat = c.categories.find(x => x.key == k), t = cat ? cat.title : k;
    p.append(el("p", 0, sub(c.texts.placeholder, t)), btn(sub(c.texts.placeholderButton, t), () => decide("save", { ...ch, [k]: true })))
  }).catch(() => {})
};

const write = d => {
  const dm = cdom(location.hostname, cf.cookieDomain);
  D.cookie = ck(CK, d, dm, location.protocol == "https:", now());
  if (dm) D.cookie = CK + "=; Path=/; Max-Age=0"
};
// queued: a second decision reuses the first's subject
const post = (a, n) => { const my = ++seq; return q = q.then(() => {
  const c = {};
  for (const x of cf.categories) if (!x.required) c[x.key] = !!n[x.key];
  const b = { ...B.x, choices: c, action: a, policyVersion: cf.policyVersion, lang: cf.lang || L, gpc: GPC };
  if (d && d.s) b.subject = d.s;
  if (R) b.region = R;
  return get(API + "/consents", JSON.stringify(b))
    .then(r => {
      const m = use(r, a != "gpc");
      if (my == seq && JSON.stringify(m) != JSON.stringify(ch)) set(m)
    })
}).catch(() => B.f && B.f()) };
const use = (r, a) => { write(d = fromResp(r)); sig(r.signals, a, 1); return eff(cf, bools(r.choices), GPC) };
const decide = (a, n) => { n = eff(cf, n, GPC); B.f && B.f(1, a); hide(); set(n); return post(a, n) };
const ask = k => { const n = eff(cf, k, GPC); set(n); if (GPC && cf.regime != "opt-in") post("gpc", n); else banner() };

const loadCss = () => css || (css = new Promise(r => {
  const l = el("link"); l.rel = "stylesheet"; l.href = O + "/assent.css"; l.onload = l.onerror = r; setTimeout(r, 3e3); (D.head || H).append(l)
}));
const show = e => need() || Promise.all([loadCss(), new Promise(r => D.readyState == "loading" ? D.addEventListener("DOMContentLoaded", r) : r())])
  .then(() => { if (e == ui.b || e == ui.o) D.body.append(e) });
const close = () => {
  if (!ui.o) return;
  ui.o.remove(); ui.o = ui.g = null;
  if (ui.op && ui.op.isConnected && ui.op.focus) ui.op.focus()
};
const hide = () => { close(); if (ui.b) { ui.b.remove(); ui.b = null } };
const foc = g => [...g.querySelectorAll("button,a[href],input:not([disabled]),summary")];
const link = (x, k) => { const u = cf.links && cf.links[k]; if (!u) return ""; const a = el("a", 0, x); a.href = new URL(u, O).href; return a };

// one ID-free beacon per view showing the banner or preferences without a decision
const bc = e => bn || valid(d, now()) || (bn = 1, navigator.sendBeacon?.(API + "/events" + (R ? "?region=" + E(R) : ""), JSON.stringify({ event: e, policyVersion: cf.policyVersion, lang: cf.lang || L })));
const banner = () => {
  if (ui.b) return;
  bc("banner_shown");
  const t = cf.texts, b = ui.b = el("div", "assent assent-b"), w = el("div", "assent-w"), x = el("div", "assent-tx"), a = el("div", "assent-a");
  b.setAttribute("role", "region"); b.setAttribute("aria-label", t.bannerTitle);
  x.append(el("p", "assent-t", t.bannerTitle), el("p", 0, t.bannerText));
  if (cf.showDoNotSell) x.append(btn(t.doNotSell, () => prefs(1), "assent-l"));
  a.append(btn(t.acceptAll, () => decide("accept_all", all(cf, true))));
  if (cf.showRejectAll !== false) a.append(btn(t.rejectAll, () => decide("reject_all", all(cf, false))));
  a.append(btn(t.preferences, () => prefs(), "assent-btn assent-2"));
  w.append(x, a); b.append(w); show(b)
};

const prefs = sale => load().then(() => {
  if (ui.o) return;
  bc("preferences_shown");
  const t = cf.texts, o = ui.o = el("div", "assent assent-o"), g = ui.g = el("div", "assent-d"), cur = eff(cf, ch, GPC), ins = {};
  ui.op = D.activeElement;
  g.setAttribute("role", "dialog"); g.setAttribute("aria-modal", "true"); g.setAttribute("aria-labelledby", "assent-pt"); g.tabIndex = -1;
  const h = el("h2", 0, t.preferencesTitle), x = btn("\u00d7", close, "assent-x"), hd = el("div", "assent-h"), bd = el("div", "assent-c"), ft = el("div", "assent-f");
  h.id = "assent-pt"; x.setAttribute("aria-label", t.close); hd.append(h, x);
  bd.append(el("p", 0, t.preferencesIntro), link(t.cookiePolicy, "cookiePolicy"));
  if (GPC) bd.append(el("p", "assent-g", t.gpcHonoured));
  bd.append(btn(t.allowAll, () => decide("accept_all", all(cf, true))));
  for (const c of cf.categories) {
    const r = el("div", "assent-r"), rh = el("div", "assent-rh"), id = "assent-k-" + c.key, ds = el("p", 0, c.description);
    ds.id = id + "-d";
    if (c.required) rh.append(el("span", "assent-rt", c.title), el("span", "assent-aa", t.alwaysActive));
    else {
      const l = el("label", "assent-rt", c.title), i = ins[c.key] = el("input");
      l.htmlFor = i.id = id; i.type = "checkbox"; i.setAttribute("role", "switch"); i.setAttribute("aria-describedby", ds.id);
      i.checked = cur[c.key]; i.disabled = GPC && !!c.gpc; rh.append(l, i);
      (i.onchange = () => i.setAttribute("aria-checked", i.checked))()
    }
    r.append(rh, ds);
    if (c.cookies && c.cookies.length) {
      const dt = el("details"), u = el("ul");
      for (const k of c.cookies) { const li = el("li"); li.append(el("code", 0, k.name + (k.prefix ? "*" : "")), el("span", 0, [k.duration, k.party].filter(Boolean).join(" \u00b7 ")), el("p", 0, k.description)); u.append(li) }
      dt.append(el("summary", 0, t.cookiesHeading), u); r.append(dt)
    }
    bd.append(r)
  }
  ft.append(btn(t.saveSettings, () => { const n = { ...ch }; for (const k in ins) n[k] = ins[k].checked; decide("save", n) }));
  g.append(hd, bd, ft); o.append(g);
  show(o).then(() => { const i = sale && ins.sale; (i && !i.disabled ? i : foc(g)[0]).focus() })
}).catch(() => {});

D.addEventListener("keydown", e => {
  const g = ui.g;
  if (!g || !g.isConnected) return;
  if (e.key == "Escape") { e.preventDefault(); close() }
  else if (e.key == "Tab") {
    const f = foc(g), a = f[0], z = f[f.length - 1], c = D.activeElement;
    if (e.shiftKey ? c == a || !g.contains(c) || c == g : c == z) { e.preventDefault(); (e.shiftKey ? z : a).focus() }
  }
});
D.addEventListener("focusin", e => { if (ui.g && ui.g.isConnected && !ui.g.contains(e.target)) foc(ui.g)[0].focus() });
D.addEventListener("click", e => {
  const t = e.target.closest && e.target.closest("[data-assent-preferences],[data-assent-do-not-sell]");
  if (t) { e.preventDefault(); prefs(t.hasAttribute("data-assent-do-not-sell")) }
});
const loc = () => { for (const n of APIS) if (!W.frames[n + "Locator"]) { const f = el("iframe"); f.name = n + "Locator"; f.style.display = "none"; D.body.prepend(f) } };
D.body ? loc() : D.addEventListener("DOMContentLoaded", loc);
new MutationObserver(ms => {
  for (const m of ms) for (const n of m.addedNodes)
    if (D.readyState == "loading" || n.nodeType == 1 && (n.hasAttribute("data-assent") || n.querySelector("[data-assent]"))) return gate()
}).observe(H, { childList: true, subtree: true });
D.addEventListener("DOMContentLoaded", gate);

if (valid(d, now())) {
  // a valid decision applies at once; a request only for GPC or stale config
  const n = bools(d.c);
  let gp = 0;
  if (GPC) for (const k of gpcKeys(cf)) if (n[k]) { n[k] = false; gp = 1 }
  set(n);
  const chk = c => {
    if (sec(c.decision?.recordedAt) > d.t) return set(use(c.decision));
    if (c.policyVersion != d.v) return net ? (sig(c.signals), ask(ch)) : (cache = fx = null, load().then(chk));
    const m = { ...ch };
    let x = 0;
    if (GPC) for (const k of gpcKeys(c)) if (m[k]) { m[k] = false; x = 1 }
    if (x) set(m);
    if (gp || x) post("gpc", ch)
  };
  if (gp || !fresh() || cf.policyVersion != d.v) load().then(chk).catch(() => {});
  B.g === null ? fetch(API + "/subjects/" + E(d.s), { credentials: "omit" }).then(r => r.json()).then(r => sig(r.signals, 0, 1)).catch(() => {}) : need()
} else {
  // no decision: the regime depends on where the visitor is now: no cached config
  cache = cf = null;
  load().then(() => cf.decision ? set(use(cf.decision)) : (sig(cf.signals), ask(null))).catch(() => {})
}
})();
