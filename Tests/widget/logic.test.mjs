// Pure logic of the widget (cookie format, effective choices, deletion lists), run with `node --test Tests/widget/`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const W = require("../../Sources/AssentServer/Resources/widget/assent.js");

const cfg = (regime, defaults) => ({
  regime, policyVersion: 3, lang: "en", cookieDomain: null,
  categories: [
    { key: "necessary", required: true, default: true, gpc: false, cookies: [] },
    { key: "functional", required: false, default: defaults, gpc: false, cookies: [] },
    { key: "performance", required: false, default: defaults, gpc: false, cookies: [
      { name: "_ga", prefix: true, party: "first" }, { name: "_gid", prefix: false, party: "first" }, { name: "IDE", prefix: false, party: "third" }] },
    { key: "targeting", required: false, default: defaults, gpc: true, cookies: [] },
    { key: "sale", required: false, default: defaults, gpc: true, cookies: [] },
  ],
});

test("decision cookie value round-trips through encode/decode", () => {
  const d = { s: "7c0a3f5e-1111-4222-8333-944445555666", c: { necessary: 1, functional: 0, sale: 1 }, v: 3, t: 1700000000, e: 1731536000, g: 0 };
  const v = W.enc(d);
  assert.doesNotMatch(v, /[;,\s"]/, "cookie value must not contain separators or quotes");
  assert.deepEqual(W.dec(v), d);
  assert.equal(decodeURIComponent(v), JSON.stringify(d));
});

test("decode rejects garbage and objects without choices", () => {
  assert.equal(W.dec("%7Bnot json"), null);
  assert.equal(W.dec("%E0%A4%A"), null); // malformed percent-encoding
  assert.equal(W.dec(encodeURIComponent("42")), null);
  assert.equal(W.dec(encodeURIComponent(JSON.stringify({ s: "x", v: 1 }))), null);
});

test("pick takes the newest of duplicate same-name cookies and ignores other names", () => {
  const old = { s: "a", c: { x: 0 }, v: 1, t: 100, e: 9e9, g: 0 };
  const neu = { s: "a", c: { x: 1 }, v: 2, t: 200, e: 9e9, g: 0 };
  const other = { s: "b", c: { x: 1 }, v: 9, t: 999, e: 9e9, g: 0 };
  const str = `foo=bar; assent_demo=${W.enc(neu)}; assent_demo2=${W.enc(other)}; assent_demo=${W.enc(old)}; assent_demo=broken`;
  assert.deepEqual(W.pick(str, "assent_demo"), neu);
  assert.deepEqual(W.pick(`assent_demo=${W.enc(old)};assent_demo=${W.enc(neu)}`, "assent_demo"), neu);
  assert.equal(W.pick("foo=bar", "assent_demo"), null);
  assert.equal(W.pick("", "assent_demo"), null);
  assert.equal(W.pick(undefined, "assent_demo"), null);
});

test("validity depends on expiry being in the future", () => {
  const d = { s: "a", c: {}, v: 1, t: 100, e: 1000 };
  assert.equal(W.valid(d, 999), true);
  assert.equal(W.valid(d, 1000), false);
  assert.equal(W.valid(d, 5000), false);
  assert.equal(W.valid(null, 0), false);
  assert.equal(W.valid({ c: {} }, 0), false);
});

test("server response becomes the stored decision", () => {
  const r = {
    id: "r1", subject: "s1", choices: { necessary: true, functional: false, sale: true }, gpc: true, policyVersion: 4,
    recordedAt: "2026-11-29T16:00:00.000Z", expiresAt: "2027-05-30T16:00:00.000Z",
  };
  assert.deepEqual(W.fromResp(r), {
    s: "s1", c: { necessary: 1, functional: 0, sale: 1 }, v: 4,
    t: Date.UTC(2026, 10, 29, 16) / 1000, e: Date.UTC(2027, 4, 30, 16) / 1000, g: 1,
  });
});

test("effective choices without a decision follow the regime defaults", () => {
  assert.deepEqual(W.eff(cfg("opt-in", false), null, false),
    { necessary: true, functional: false, performance: false, targeting: false, sale: false });
  assert.deepEqual(W.eff(cfg("opt-out", true), null, false),
    { necessary: true, functional: true, performance: true, targeting: true, sale: true });
});

test("GPC turns gpc-marked categories off in every regime and whatever was chosen", () => {
  for (const [r, def] of [["opt-in", false], ["opt-out", true], ["notice", true]]) {
    const c = cfg(r, def);
    const e = W.eff(c, null, true);
    assert.equal(e.targeting, false, r);
    assert.equal(e.sale, false, r);
    assert.equal(e.performance, def, r);
    const acc = W.eff(c, W.all(c, true), true);
    assert.deepEqual(acc, { necessary: true, functional: true, performance: true, targeting: false, sale: false });
  }
});

test("a choice overrides the default but never a required category", () => {
  const c = cfg("opt-out", true);
  assert.deepEqual(W.eff(c, { necessary: false, performance: false }, false),
    { necessary: true, functional: true, performance: false, targeting: true, sale: true });
  assert.deepEqual(W.eff(c, W.all(c, false), false),
    { necessary: true, functional: false, performance: false, targeting: false, sale: false });
});

test("gpc keys come from the config, with a fallback when no config is cached", () => {
  assert.deepEqual(W.gpcKeys(cfg("opt-in", false)), ["targeting", "sale"]);
  assert.deepEqual(W.gpcKeys(null), ["sale", "targeting"]);
});

test("cookies to delete: first-party only, exact names or prefixes", () => {
  const perf = cfg("opt-in", false).categories[2];
  const present = ["_ga", "_ga_ABC123", "_gid", "_gidx", "IDE", "session", "x_ga"];
  assert.deepEqual(W.doomed(perf, present), ["_ga", "_ga_ABC123", "_gid"]);
  assert.deepEqual(W.doomed({ key: "k" }, present), []);
});

test("deletion domains: host-only, the host, every parent, and the cookie domain", () => {
  assert.deepEqual(W.doms("www.news.example.com", null), ["", "www.news.example.com", "news.example.com", "example.com"]);
  assert.deepEqual(W.doms("www.example.com", ".example.com"), ["", "www.example.com", "example.com"]);
  assert.deepEqual(W.doms("shop.example.org", "example.com"), ["", "shop.example.org", "example.org", "example.com"]);
  assert.deepEqual(W.doms("localhost", null), [""]);
  assert.deepEqual(W.doms("127.0.0.1", null), [""]);
});

test("the decision cookie gets Domain only when the host is the cookie domain or below it", () => {
  assert.equal(W.cdom("www.example.com", "example.com"), "example.com");
  assert.equal(W.cdom("example.com", ".example.com"), "example.com");
  assert.equal(W.cdom("badexample.com", "example.com"), "");
  assert.equal(W.cdom("example.org", "example.com"), "");
  assert.equal(W.cdom("www.example.com", null), "");
});

test("decision cookie string has the agreed attributes", () => {
  const d = { s: "a", c: { x: 1 }, v: 1, t: 1000, e: 1000 + 86400 };
  const s = W.ck("assent_demo", d, "example.com", true, 1000);
  assert.equal(s, `assent_demo=${W.enc(d)}; Path=/; SameSite=Lax; Max-Age=86400; Domain=example.com; Secure`);
  assert.equal(W.ck("assent_demo", d, "", false, 1000), `assent_demo=${W.enc(d)}; Path=/; SameSite=Lax; Max-Age=86400`);
  assert.match(W.ck("n", d, "", false, 999999), /Max-Age=0;|Max-Age=0$/);
});

test("placeholder text substitution is plain text, every occurrence", () => {
  assert.equal(W.sub("Allow {category}", "Social Media"), "Allow Social Media");
  assert.equal(W.sub("{category} / {category}", "<b>x</b>"), "<b>x</b> / <b>x</b>");
  assert.equal(W.sub("Use $& and $1 {category}", "$'"), "Use $& and $1 $'");
  assert.equal(W.sub(undefined, "x"), "");
});
