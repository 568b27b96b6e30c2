// The right to object to legitimate interest (TCF) in the preference center, run with `node --test Tests/widget/`:
// in assent-signals.js what can be objected to, what a decision sends, and the section's checkboxes; then the two
// scripts together on a small fake page whose fetch() answers like the server, to see the consent bodies that Reject
// All, Accept All and Save send.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const require = createRequire(import.meta.url);
const S = require("../../Sources/AssentServer/Resources/widget/assent-signals.js");
const DIR = new URL("../../Sources/AssentServer/Resources/widget/", import.meta.url);
const CORE = readFileSync(new URL("assent.js", DIR), "utf8");
const SIGNALS = readFileSync(new URL("assent-signals.js", DIR), "utf8");

// The TCF layer of a config, shaped as the server sends it: purposes 1, 2, 3, 7 and 8 shown; vendor 8 declares a
// legitimate interest for 7 and 8, vendor 21 for 2 and for 9 (not shown), vendor 30 for nothing (consent only),
// vendor 40 special purposes only, vendor 60 for 9 alone.
const vendor = (id, purposes, legIntPurposes, specialPurposes = [1]) => ({
  id, name: "Vendor <b>" + id + "</b>", purposes, legIntPurposes, flexiblePurposes: [], specialPurposes, features: [],
  specialFeatures: [], dataRetention: null, policyUrl: "https://vendor.example/" + id, legIntClaimUrl: null,
});
const TCF = {
  cmpId: 300, cmpVersion: 2, vendorListVersion: 91, tcfPolicyVersion: 5, publisherCC: "FR",
  purposes: [1, 2, 3, 7, 8].map(id => ({ id, name: "Purpose " + id, description: "About purpose " + id, categories: ["performance"] })),
  specialFeatures: [], specialPurposes: [{ id: 1, name: "Security", description: "s" }], features: [],
  vendors: [vendor(8, [1], [7, 8]), vendor(21, [1, 3], [2, 9]), vendor(30, [1, 2], []), vendor(40, [], [], [1]), vendor(60, [1], [9])],
};
const signals = (tcf) => ({
  gpp: "DBABMA~X", gppSid: [2], tcString: "X", ...(tcf ? { tcf } : {}),
  consentMode: { ad_storage: "denied", analytics_storage: "denied", ad_user_data: "denied", ad_personalization: "denied",
    functionality_storage: "denied", personalization_storage: "denied", security_storage: "granted" },
  sections: { tcfeuv2: { purposesConsent: [], purposesLITransparency: [2, 7, 8], vendorConsents: [], vendorLegitimateInterests: [8, 21, 40], disclosedVendors: [8, 21, 30, 40] } },
});

test("what can be objected to: LI purposes shown (never 1 or 3-6), and the vendors declaring one of them", () => {
  assert.deepEqual(S.interests(TCF), { p: [2, 7, 8], v: [8, 21] });
  assert.deepEqual(S.interests({ ...TCF, purposes: TCF.purposes.filter(p => p.id != 2) }), { p: [7, 8], v: [8] },
    "21's only LI purpose shown is gone");
  const consentOnly = { ...TCF, vendors: [vendor(50, [], [1, 3, 4])] };
  assert.deepEqual(S.interests(consentOnly), { p: [], v: [] });
  assert.deepEqual(S.interests(undefined), { p: [], v: [] });
});

test("the objections in force come from the signals' tcf member", () => {
  const o = S.saved(signals({ vendorLIObjections: [21], purposeLIObjections: [7, 8] }));
  assert.deepEqual([[...o.v], [...o.p], o.k], [[21], [7, 8], 0]);
  const none = S.saved(signals());
  assert.deepEqual([[...none.v], [...none.p]], [[], []]);
  assert.deepEqual([...S.saved(null).v], []);
});

test("what a decision sends: Accept All withdraws, Reject All objects to everything, Save sends changed objections", () => {
  const none = { vendorLIObjections: [], purposeLIObjections: [] };
  assert.deepEqual(S.extra("accept_all", TCF, null), { tcf: none });
  assert.deepEqual(S.extra("reject_all", TCF, null), { tcf: { vendorLIObjections: [8, 21], purposeLIObjections: [2, 7, 8] } });
  const o = S.saved(signals({ vendorLIObjections: [21], purposeLIObjections: [] }));
  assert.equal(S.extra("save", TCF, o), undefined, "nothing changed: the server keeps the objections in force");
  assert.equal(S.extra("save", TCF, null), undefined, "no preference center: the same");
  o.v.add(8); o.v.add(30); o.p.add(8); o.k = 1;
  assert.deepEqual(S.extra("save", TCF, o), { tcf: { vendorLIObjections: [8, 21], purposeLIObjections: [8] } },
    "ascending, and only what can be objected to");
  o.v.clear(); o.p.clear();
  assert.deepEqual(S.extra("save", TCF, o), { tcf: none }, "every objection withdrawn");
  assert.equal(S.extra("gpc", TCF, o), undefined, "a GPC decision leaves them alone");
  for (const a of ["accept_all", "reject_all", "save"]) assert.equal(S.extra(a, undefined, o), undefined, "no TCF: no tcf member");
});

// --- a small DOM: elements with classes, attributes, children, listeners and the few selectors the widget uses ----

let observers = [];
class El {
  constructor(tag) {
    Object.assign(this, { tagName: tag.toUpperCase(), children: [], attrs: {}, dataset: {}, style: {}, className: "", textContent: "", parentNode: null, listeners: {} });
  }
  append(...nodes) {
    for (const n of nodes) {
      if (!n || typeof n != "object") continue;
      n.parentNode = this;
      this.children.push(n);
      if (n.tagName == "LINK") queueMicrotask(() => n.onload && n.onload());
      if (n.tagName == "SCRIPT" && this.onscript) queueMicrotask(() => this.onscript(n));
    }
    this.changed();
  }
  changed() { if (this.tagName == "BODY") queueMicrotask(() => { for (const f of observers) f([]) }) }
  prepend(...nodes) { const rest = this.children.splice(0); this.append(...nodes); this.children.push(...rest) }
  before() {}
  after() {}
  remove() {
    const p = this.parentNode;
    if (p) { p.children = p.children.filter(c => c != this); p.changed() }
    this.parentNode = null;
  }
  setAttribute(k, v) { this.attrs[k] = String(v) }
  getAttribute(k) { return this.attrs[k] ?? null }
  hasAttribute(k) { return k in this.attrs }
  removeAttribute(k) { delete this.attrs[k] }
  addEventListener(type, f) { (this.listeners[type] ||= []).push(f) }
  contains(e) { return this.all().includes(e) }
  focus() {}
  get isConnected() { return !!this.parentNode }
  all() { return [this, ...this.children.flatMap(c => c.all())] }
  has(cls) { return this.className.split(" ").includes(cls) }
  // ".a", ".a .b" (descendant) and "body > .a" (child of the body), comma-separated
  querySelector(sel) { return this.querySelectorAll(sel)[0] || null }
  querySelectorAll(sel) {
    if (sel.includes("button")) return this.all().filter(e => ["BUTTON", "INPUT", "SUMMARY"].includes(e.tagName));
    const found = [];
    for (const part of sel.split(",").map(s => s.trim())) {
      const child = part.match(/^body > \.([\w-]+)$/);
      if (child) { found.push(...this.all().filter(e => e.tagName == "BODY").flatMap(b => b.children.filter(c => c.has(child[1])))); continue }
      let scope = [this];
      for (const cls of part.split(/\s+/).map(s => s.slice(1))) scope = scope.flatMap(e => e.all().slice(1).filter(x => x.has(cls)));
      found.push(...scope);
    }
    return [...new Set(found)];
  }
}
const byText = (root, text) => root.all().find(e => e.textContent == text);
const settle = async () => { for (let i = 0; i < 30; i++) await new Promise(r => setImmediate(r)) };

test("the section: a labelled checkbox per vendor and purpose with a legitimate interest, names inserted as text", () => {
  const D = { createElement: t => new El(t) };
  const c = { lang: "es", texts: {}, categories: [], tcf: TCF };
  const o = S.saved(signals({ vendorLIObjections: [21], purposeLIObjections: [] }));
  const w = S.tcfSection(D, c, signals(), o);
  const [purposes, , vendors] = w.children.filter(e => e.tagName == "DETAILS");
  for (const d of [purposes, vendors]) { d.open = true; for (const f of d.listeners.toggle) f() }
  const boxes = w.all().filter(e => e.tagName == "INPUT");
  assert.deepEqual(boxes.map(i => i.id), ["assent-li-p2", "assent-li-p7", "assent-li-p8", "assent-li-v8", "assent-li-v21"],
    "purposes 1 and 3 are consent only; vendor 30 declares no legitimate interest, 40 special purposes only");
  assert.deepEqual(boxes.map(i => i.checked), [false, false, false, false, true], "21's objection is in force");
  for (const i of boxes) {
    assert.equal(i.type, "checkbox");
    const label = w.all().find(e => e.tagName == "LABEL" && e.htmlFor == i.id);
    assert.equal(label.textContent, "Me opongo al tratamiento basado en el interés legítimo");
    const [l, n] = i.getAttribute("aria-labelledby").split(" ");
    assert.equal(l, label.id);
    assert.ok(w.all().some(e => e.id == n && e.className == "assent-rt"), "named after its vendor or purpose too");
  }
  const item = id => w.all().find(e => e.id == "assent-li-v" + id + "-n").parentNode;
  const says = (id, text) => item(id).all().some(e => e.textContent.includes(text));
  assert.ok(says(21, "Tiene derecho a oponerse"), "the right to object, where there is something to object to");
  assert.ok(says(60, "Interés legítimo"), "60's legitimate interest is listed");
  assert.ok(!says(60, "Tiene derecho a oponerse"), "but not for a purpose shown: no box, no invitation to tick one");
  const name = w.all().find(e => e.id == "assent-li-v8-n");
  assert.equal(name.textContent, "Vendor <b>8</b>", "text, never markup");
  assert.equal(name.children.length, 0);

  boxes[3].checked = true; boxes[3].onchange();
  boxes[4].checked = false; boxes[4].onchange();
  boxes[1].checked = true; boxes[1].onchange();
  assert.deepEqual(S.extra("save", TCF, o), { tcf: { vendorLIObjections: [8], purposeLIObjections: [7] } });
});

// --- both scripts on a fake page -------------------------------------------------------------------------------------

const config = () => ({
  property: "news", regime: "opt-in", region: "FR", gpc: false, policyVersion: 2, lang: "en", cookieDomain: null,
  showRejectAll: true, showDoNotSell: false, links: {}, signals: signals(),
  categories: [
    { key: "necessary", required: true, default: true, gpc: false, cookies: [], title: "Necessary", description: "n" },
    { key: "performance", required: false, default: false, gpc: false, cookies: [], title: "Performance", description: "p" },
  ],
  texts: { bannerTitle: "Privacy", bannerText: "We ask", acceptAll: "Accept All", rejectAll: "Reject All", preferences: "Cookie Preferences",
    preferencesTitle: "Preferences", preferencesIntro: "i", allowAll: "Allow All", saveSettings: "Save", close: "Close", alwaysActive: "On",
    placeholder: "{category} is off", placeholderButton: "Allow {category}" },
  tcf: TCF,
});

// The server: a consent post is answered with the objections it carried (or the ones before, when it carried none).
const page = () => {
  const jar = new Map(), store = new Map(), posts = [];
  let objections = null;
  const body = new El("body"), head = new El("head");
  // a gated video: blocked until Performance is allowed, with a placeholder button that allows it
  const frame = Object.assign(new El("iframe"), { dataset: { assent: "performance", src: "https://video.example/1" } });
  const document = {
    currentScript: Object.assign(new El("script"), { src: "https://consent.example/assent.js", dataset: { property: "news" } }),
    documentElement: Object.assign(new El("html"), { lang: "en" }), readyState: "complete", body, head, activeElement: null,
    get cookie() { return [...jar].map(([k, v]) => k + "=" + v).join("; ") },
    set cookie(text) { const [pair] = text.split(";"), i = pair.indexOf("="); jar.set(pair.slice(0, i).trim(), pair.slice(i + 1)) },
    createElement: tag => new El(tag),
    querySelector: s => body.querySelector(s),
    querySelectorAll: s => s.startsWith("iframe[data-assent]") ? [frame] : s.includes("data-assent") ? [] : body.querySelectorAll(s),
    addEventListener() {}, dispatchEvent() {},
  };
  const window = {
    document, navigator: {}, frames: {},
    location: { href: "https://news.example/", hostname: "news.example", protocol: "https:" },
    localStorage: { getItem: k => store.get(k) ?? null, setItem: (k, v) => store.set(k, String(v)) },
    addEventListener() {}, setTimeout: () => 0, URL, JSON, Promise, Date, Math, Object, Array, String, Set, Map,
    CustomEvent: class { constructor(type, init) { this.detail = init && init.detail } },
    MutationObserver: class { constructor(f) { observers.push(f) } observe() {} },
    fetch: (url, init = {}) => {
      let answer = config();
      if (init.method == "POST") {
        const b = JSON.parse(init.body);
        posts.push(b);
        if (b.tcf) objections = b.tcf.vendorLIObjections.length || b.tcf.purposeLIObjections.length ? b.tcf : null;
        answer = { id: "r" + posts.length, property: "news", subject: "7c0a3f5e-1111-4222-8333-944445555666", choices: { necessary: true, performance: b.action == "accept_all" },
          action: b.action, gpc: false, policyVersion: 2, recordedAt: new Date().toISOString(), expiresAt: "2099-01-01T00:00:00.000Z",
          ...(objections ? { tcf: objections } : {}), signals: signals(objections) };
      }
      return Promise.resolve({ ok: true, status: 200, json: () => Promise.resolve(structuredClone(answer)) });
    },
  };
  window.window = window;
  observers = [];
  const context = vm.createContext(window);
  // assent-signals.js "loads" when assent.js adds its script tag
  head.onscript = s => { if (s.src.endsWith("/assent-signals.js")) vm.runInContext(SIGNALS, context) };
  vm.runInContext(CORE, context);
  return { window, body, posts, frame };
};
const banner = p => p.body.all().find(e => e.className == "assent assent-b");
const dialog = p => p.body.all().find(e => e.className == "assent assent-o");
const sent = p => JSON.parse(JSON.stringify(p.posts.at(-1).tcf ?? null));

test("on the page: Reject All objects to every legitimate interest, Accept All withdraws, Save sends the checkboxes", async () => {
  const p = page();
  await settle();
  assert.ok(banner(p), "the banner shows");
  assert.equal(typeof p.window.assent._s.f, "function", "the TCF UI loaded assent-signals.js");
  byText(banner(p), "Reject All").onclick();
  await settle();
  assert.equal(p.posts[0].action, "reject_all");
  assert.deepEqual(sent(p), { vendorLIObjections: [8, 21], purposeLIObjections: [2, 7, 8] });

  // the preference center shows them objected; withdrawing one and saving sends the rest
  p.window.assent.showPreferences();
  await settle();
  const section = dialog(p).querySelector(".assent-tcf");
  assert.ok(section, "the TCF section is in the preference center");
  for (const d of section.children.filter(e => e.tagName == "DETAILS")) { d.open = true; for (const f of d.listeners.toggle) f() }
  const box = id => section.all().find(e => e.id == id);
  assert.deepEqual(["assent-li-p2", "assent-li-v8", "assent-li-v21"].map(id => box(id).checked), [true, true, true]);
  box("assent-li-v21").checked = false; box("assent-li-v21").onchange();
  box("assent-li-p2").checked = false; box("assent-li-p2").onchange();
  byText(dialog(p), "Save").onclick();
  await settle();
  assert.equal(p.posts[1].action, "save");
  assert.deepEqual(sent(p), { vendorLIObjections: [8], purposeLIObjections: [7, 8] });

  // changes not saved are forgotten, by the next decision too (here the video's placeholder button); a Save that
  // changed no objection sends none (the server keeps them)
  p.window.assent.showPreferences();
  await settle();
  const again = dialog(p).querySelector(".assent-tcf");
  for (const d of again.children.filter(e => e.tagName == "DETAILS")) { d.open = true; for (const f of d.listeners.toggle) f() }
  const v8 = again.all().find(e => e.id == "assent-li-v8");
  assert.equal(v8.checked, true);
  v8.checked = false; v8.onchange();
  byText(dialog(p), "\u00d7").onclick();
  await settle();
  assert.equal(dialog(p), undefined);
  byText(p.frame._p, "Allow Performance").onclick();
  await settle();
  assert.equal(p.posts.length, 3);
  assert.deepEqual([p.posts[2].action, p.posts[2].choices.performance, p.posts[2].tcf], ["save", true, undefined]);
  p.window.assent.showPreferences();
  await settle();
  byText(dialog(p), "Save").onclick();
  await settle();
  assert.equal(p.posts.length, 4);
  assert.equal(p.posts[3].tcf, undefined);

  p.window.assent.showPreferences();
  await settle();
  byText(dialog(p), "Allow All").onclick();
  await settle();
  assert.equal(p.posts[4].action, "accept_all");
  assert.deepEqual(sent(p), { vendorLIObjections: [], purposeLIObjections: [] });
});
