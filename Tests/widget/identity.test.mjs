// Signed-in readers in the widget, run with `node --test Tests/widget/`: the whole of assent.js on a small fake page
// (elements, cookies, localStorage) whose fetch() answers like the server, so the requests the widget makes and what
// it does with the answers can be checked: the token goes with the config and the consent post, a reader's decision
// from the config is applied without a banner, a refused token is dropped, and a newer decision replaces a stored one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const SOURCE = readFileSync(new URL("../../Sources/AssentServer/Resources/widget/assent.js", import.meta.url), "utf8");
const TOKEN = "eyJpc3MiOiJuZXdzLWdyb3VwIn0.c2lnbmF0dXJl";
const READER = "u-AAAAAAAAAAAAAAAAAAAAAA";
const API = "https://consent.example/v1/properties/news";

class El {
  constructor(tag) {
    Object.assign(this, { tagName: tag.toUpperCase(), children: [], attrs: {}, dataset: {}, style: {}, className: "", textContent: "", parentNode: null });
  }
  append(...nodes) {
    for (const n of nodes) {
      if (!n || typeof n != "object") continue;
      n.parentNode = this;
      this.children.push(n);
      if (n.tagName == "LINK") queueMicrotask(() => n.onload && n.onload()); // the stylesheet "loads" at once
    }
  }
  prepend(...nodes) { const rest = this.children.splice(0); this.append(...nodes); this.children.push(...rest) }
  before() {}
  after() {}
  remove() { if (this.parentNode) this.parentNode.children = this.parentNode.children.filter(c => c != this); this.parentNode = null }
  setAttribute(k, v) { this.attrs[k] = String(v) }
  getAttribute(k) { return this.attrs[k] ?? null }
  hasAttribute(k) { return k in this.attrs }
  removeAttribute(k) { delete this.attrs[k] }
  querySelectorAll() { return [] }
  contains() { return false }
  focus() {}
  get isConnected() { return !!this.parentNode }
  all() { return [this, ...this.children.flatMap(c => c.all())] }
}

// A page with the widget's script tag, optional stored cookies and localStorage, and a server answering fetch().
const page = ({ dataset = {}, cookies = {}, storage = {}, gpc = false, server }) => {
  const jar = new Map(Object.entries(cookies)), store = new Map(Object.entries(storage)), calls = [];
  const body = new El("body"), head = new El("head");
  const document = {
    currentScript: Object.assign(new El("script"), { src: "https://consent.example/assent.js", dataset: { property: "news", ...dataset } }),
    documentElement: Object.assign(new El("html"), { lang: "en" }),
    readyState: "complete", body, head, activeElement: null,
    get cookie() { return [...jar].map(([k, v]) => k + "=" + v).join("; ") },
    set cookie(text) {
      const [pair, ...attrs] = text.split(";"), i = pair.indexOf("="), name = pair.slice(0, i).trim();
      if (attrs.some(a => a.trim() == "Max-Age=0")) jar.delete(name); else jar.set(name, pair.slice(i + 1));
    },
    createElement: tag => new El(tag),
    querySelector: () => null, querySelectorAll: () => [],
    addEventListener() {}, dispatchEvent() {},
  };
  const window = {
    document, navigator: { globalPrivacyControl: gpc }, frames: {},
    location: { href: "https://news.example/story", hostname: "news.example", protocol: "https:" },
    localStorage: { getItem: k => store.get(k) ?? null, setItem: (k, v) => store.set(k, String(v)) },
    addEventListener() {}, setTimeout: () => 0, URL, JSON, Promise, Date, Math, Object, Array, String,
    CustomEvent: class { constructor(type, init) { this.type = type; this.detail = init && init.detail } },
    MutationObserver: class { observe() {} },
    fetch: (url, init = {}) => {
      const call = { url, method: init.method || "GET", headers: { ...init.headers }, body: init.body };
      calls.push(call);
      const [status, answer] = server(call);
      return Promise.resolve({ ok: status < 300, status, json: () => Promise.resolve(structuredClone(answer)) });
    },
  };
  window.window = window;
  return { window, calls, jar, body };
};

// Runs the widget and lets every request it makes, and what follows, settle.
const run = async (p) => {
  vm.runInContext(SOURCE, vm.createContext(p.window));
  for (let i = 0; i < 20; i++) await new Promise(r => setImmediate(r));
  return p;
};

const config = (decision) => ({
  property: "news", regime: "opt-in", region: "FR", gpc: false, policyVersion: 2, lang: "en", cookieDomain: null,
  showRejectAll: true, showDoNotSell: false, links: {}, signals: { consentMode: { ad_storage: "denied" } },
  categories: [
    { key: "necessary", required: true, default: true, gpc: false, cookies: [] },
    { key: "functional", required: false, default: false, gpc: false, cookies: [] },
    { key: "targeting", required: false, default: false, gpc: true, cookies: [] },
  ],
  texts: { bannerTitle: "Privacy", bannerText: "We ask", acceptAll: "Accept All", rejectAll: "Reject All", preferences: "Cookie Preferences" },
  ...(decision === undefined ? {} : { decision }),
});
const decision = (recordedAt, choices = { necessary: true, functional: true, targeting: false }) => ({
  id: "r1", property: "news", subject: READER, choices, action: "save", gpc: false, policyVersion: 2, recordedAt,
  expiresAt: "2099-01-01T00:00:00.000Z", signals: { consentMode: { ad_storage: "denied", functionality_storage: "granted" } },
});
// objects made inside the page's realm, as plain objects of this one
const plain = (v) => JSON.parse(JSON.stringify(v));
const stored = (p) => JSON.parse(decodeURIComponent(p.jar.get("assent_news")));
const banner = (p) => p.body.all().find(e => e.className == "assent assent-b");

test("with data-identity, the config request carries the token and the reader's decision applies without a banner", async () => {
  const p = await run(page({ dataset: { identity: TOKEN }, server: () => [200, config(decision("2026-11-29T10:00:00.000Z"))] }));
  assert.equal(p.calls.length, 1);
  assert.equal(p.calls[0].url, API + "/config?lang=en");
  assert.equal(p.calls[0].method, "GET");
  assert.deepEqual(p.calls[0].headers, { "assent-identity": TOKEN }, "only the token: no Content-Type on the GET");
  assert.equal(banner(p), undefined);
  assert.deepEqual(plain(p.window.assent.choices()), { necessary: true, functional: true, targeting: false });
  assert.equal(stored(p).s, READER, "the decision cookie holds the reader's subject");
  assert.equal(stored(p).v, 2);
});

test("window.assentIdentity works too; without a decision for the reader, the banner shows as usual", async () => {
  const p = page({ server: () => [200, config(null)] });
  p.window.assentIdentity = TOKEN;
  await run(p);
  assert.equal(p.calls[0].headers["assent-identity"], TOKEN);
  assert.ok(banner(p), "the banner is shown");
  assert.deepEqual(plain(p.window.assent.choices()), { necessary: true, functional: false, targeting: false });
});

test("without a token nothing identity-related is sent", async () => {
  const p = await run(page({ server: () => [200, config()] }));
  assert.deepEqual(p.calls[0].headers, {});
  assert.ok(banner(p));
});

test("a refused token is dropped: the config is fetched again without it, and the consent post goes without it", async () => {
  const p = await run(page({
    dataset: { identity: TOKEN },
    server: (c) => c.headers["assent-identity"] ? [401, { error: { code: "identity_rejected", message: "expired" } }]
      : c.method == "POST" ? [201, { ...decision("2026-11-29T11:00:00.000Z"), subject: "7c0a3f5e-1111-4222-8333-944445555666" }]
      : [200, config()],
  }));
  assert.deepEqual(p.calls.map(c => [c.method, "assent-identity" in c.headers]), [["GET", true], ["GET", false]]);
  const accept = banner(p).all().find(e => e.textContent == "Accept All");
  accept.onclick();
  for (let i = 0; i < 10; i++) await new Promise(r => setImmediate(r));
  const post = p.calls[2];
  assert.equal(post.method, "POST");
  assert.deepEqual(post.headers, { "content-type": "application/json" });
  assert.equal(JSON.parse(post.body).action, "accept_all");
});

test("a consent post carries the token with the JSON, and the answer's reader subject is stored", async () => {
  const p = await run(page({
    dataset: { identity: TOKEN },
    server: (c) => c.method == "POST" ? [201, decision("2026-11-29T12:00:00.000Z", { necessary: true, functional: true, targeting: true })]
      : [200, config(null)],
  }));
  banner(p).all().find(e => e.textContent == "Accept All").onclick();
  for (let i = 0; i < 10; i++) await new Promise(r => setImmediate(r));
  assert.deepEqual(p.calls[1].headers, { "content-type": "application/json", "assent-identity": TOKEN });
  assert.equal(stored(p).s, READER);
});

test("a stored decision applies at once; a newer reader decision in a fresh config replaces it, an older one does not", async () => {
  const mine = { s: READER, c: { necessary: 1, functional: 0, targeting: 0 }, v: 2, t: Date.parse("2026-11-29T10:00:00Z") / 1000, e: 4e9, g: 0 };
  const cookie = encodeURIComponent(JSON.stringify(mine));
  // No cached config: the widget revalidates it after applying the cookie.
  const newer = await run(page({
    dataset: { identity: TOKEN }, cookies: { assent_news: cookie },
    server: (c) => c.url.includes("/subjects/") ? [200, { signals: { consentMode: {} } }] : [200, config(decision("2026-11-29T11:00:00.000Z"))],
  }));
  const configCall = newer.calls.find(c => c.url.includes("/config"));
  assert.equal(configCall.headers["assent-identity"], TOKEN);
  const subjectCall = newer.calls.find(c => c.url.includes("/subjects/"));
  assert.deepEqual(subjectCall.headers, {}, "the subject read stays a simple request (no preflight)");
  assert.equal(newer.window.assent.choices().functional, true, "the decision made on another device");
  assert.equal(stored(newer).t, Date.parse("2026-11-29T11:00:00Z") / 1000);

  const older = await run(page({
    dataset: { identity: TOKEN }, cookies: { assent_news: cookie },
    server: (c) => c.url.includes("/subjects/") ? [200, { signals: { consentMode: {} } }] : [200, config(decision("2026-11-29T09:00:00.000Z"))],
  }));
  assert.equal(older.window.assent.choices().functional, false, "this browser's later choice stays");
  assert.equal(stored(older).t, mine.t);
});
