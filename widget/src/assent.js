/* Assent consent widget: the one script a page embeds.
   This is the source. The served file, Sources/AssentServer/Resources/widget/assent.js, is made from it by
   scripts/build-widget (minified: local names shortened, comments and white space dropped); scripts/test fails
   when the served file is not what the script makes. Edit here, then run scripts/build-widget.
   Pure logic first (exported for the node tests in Tests/widget, which load the served file), the browser part below.
   Properties of objects are kept as written by the minifier, so objects that cross files (the bridge to
   assent-signals.js, the decision cookie) keep short property names, explained where they are made. */
(function () {
  "use strict";

  // ---------------------------------------------------------------------------------------------------------------
  // Pure logic

  // The decision cookie holds a compact decision as URI-encoded JSON:
  // { s: subject, c: { category: 0 | 1 }, v: policy version, t: recorded (Unix s), e: expires (Unix s), g: GPC 0 | 1 }
  const encodeDecision = decision => encodeURIComponent(JSON.stringify(decision));
  const decodeDecision = value => {
    try {
      const decision = JSON.parse(decodeURIComponent(value));
      return decision && typeof decision == "object" && decision.c && typeof decision.c == "object" ? decision : null;
    } catch (e) {
      return null;
    }
  };

  // Several cookies may share the name (one per Domain= or Path=): the newest decision among them wins.
  const pickDecision = (cookieHeader, name) => {
    let best = null;
    for (const pair of (cookieHeader || "").split(";")) {
      const eq = pair.indexOf("=");
      if (eq > 0 && pair.slice(0, eq).trim() == name) {
        const decision = decodeDecision(pair.slice(eq + 1).trim());
        if (decision && (!best || (+decision.t || 0) > (+best.t || 0))) best = decision;
      }
    }
    return best;
  };

  const isValid = (decision, nowSeconds) => !!decision && +decision.e > nowSeconds;
  const mapValues = (object, transform) => {
    const result = {};
    for (const key in object) result[key] = transform(object[key]);
    return result;
  };
  const toBooleans = choices => mapValues(choices, value => !!value);
  const unixSeconds = isoDate => Math.floor(Date.parse(isoDate) / 1e3);

  // The server's consent answer as the compact decision the cookie keeps.
  const decisionFromResponse = response => ({
    s: response.subject,
    c: mapValues(response.choices, on => (on ? 1 : 0)),
    v: response.policyVersion,
    t: unixSeconds(response.recordedAt),
    e: unixSeconds(response.expiresAt),
    g: response.gpc ? 1 : 0,
  });

  // The choices in effect: required categories are always on; with GPC, the categories GPC covers are off;
  // otherwise the visitor's choice (base) where there is one, else the category's default.
  const effectiveChoices = (config, base, gpc) => {
    const result = {};
    for (const category of config.categories) {
      const key = category.key;
      result[key] = category.required ? true
        : gpc && category.gpc ? false
        : base && key in base ? !!base[key]
        : !!category.default;
    }
    return result;
  };
  const everyCategory = (config, on) => {
    const result = {};
    for (const category of config.categories) result[category.key] = on;
    return result;
  };
  // Without a config yet, the categories GPC covers on every property.
  const gpcCategoryKeys = config =>
    config ? config.categories.filter(category => category.gpc).map(category => category.key) : ["sale", "targeting"];

  // The first-party cookies of a category among the names present (a cookie listed as a prefix matches its family).
  const doomedCookies = (category, names) =>
    names.filter(name => (category.cookies || []).some(cookie =>
      cookie.party == "first" && (cookie.prefix ? name.startsWith(cookie.name) : name == cookie.name)));

  // A cookie can only be expired on the Domain= it was set with, which a page cannot read: try them all:
  // "" (host-only), the host and each parent domain (not for IP addresses), and the property's cookie domain.
  const expiryDomains = (host, cookieDomain) => {
    const domains = [""];
    if (!/^[\d.]+$|:/.test(host)) {
      const labels = host.split(".");
      for (let i = 0; i < labels.length - 1; i++) domains.push(labels.slice(i).join("."));
    }
    if (cookieDomain) domains.push(cookieDomain.replace(/^\./, ""));
    return [...new Set(domains)];
  };

  // The decision cookie goes on the property's cookie domain when this host is that domain or below it (so the
  // publisher's other hosts share it), else host-only.
  const decisionCookieDomain = (host, cookieDomain) => {
    const domain = (cookieDomain || "").replace(/^\./, "").toLowerCase();
    return domain && (host == domain || host.endsWith("." + domain)) ? domain : "";
  };
  const decisionCookie = (name, decision, domain, secure, nowSeconds) =>
    name + "=" + encodeDecision(decision) + "; Path=/; SameSite=Lax; Max-Age=" + Math.max(0, decision.e - nowSeconds) +
    (domain ? "; Domain=" + domain : "") + (secure ? "; Secure" : "");

  // Texts name a category with the placeholder {category}; inserted as text, never as HTML.
  const fillCategory = (text, title) => String(text || "").split("{category}").join(title);

  // Google consent mode before any decision: everything denied except security storage.
  const consentModeDenied = () => {
    const modes = {};
    const names = "ad_storage analytics_storage ad_user_data ad_personalization functionality_storage " +
      "personalization_storage security_storage";
    for (const name of names.split(" ")) modes[name] = name[0] == "s" ? "granted" : "denied";
    return modes;
  };

  // The IAB APIs. Until assent-signals.js has loaded, stubs answer what they can (pings, GPP listener registration)
  // and queue the rest on the bridge; the signals script replaces them and answers the queue.
  const IAB_APIS = ["__tcfapi", "__gpp", "__uspapi"];
  const gppStubPing = () => ({
    gppVersion: "1.1", cmpStatus: "stub", cmpDisplayStatus: "hidden", signalStatus: "not ready", supportedAPIs: [],
    cmpId: 0, sectionList: [], applicableSections: [0], gppString: "", parsedSections: {},
  });
  // bridge.p: an API was called; bridge.q: queued [api, arguments]; bridge.l: GPP listeners [id, callback];
  // bridge.n: the last GPP listener id. onCall loads the signals script when it is needed.
  const installApiStubs = (win, bridge, onCall) => {
    const stub = (api, answerNow) => {
      win[api] = (...args) => {
        bridge.p = 1;
        if (!answerNow(...args)) bridge.q.push([api, args]);
        onCall();
      };
    };
    stub("__tcfapi", (command, version, callback) => {
      if (command != "ping") return false;
      callback({ gdprApplies: void 0, cmpLoaded: false, cmpStatus: "stub", displayStatus: "hidden", apiVersion: "2.2" }, true);
      return true;
    });
    stub("__gpp", (command, callback) => {
      if (command == "ping") {
        callback(gppStubPing(), true);
        return true;
      }
      if (command != "addEventListener") return false;
      bridge.l.push([++bridge.n, callback]);
      callback({ eventName: "listenerRegistered", listenerId: bridge.n, data: true, pingData: gppStubPing() }, true);
      return true;
    });
    stub("__uspapi", () => false);
  };

  // Calls from frames (the IAB postMessage protocol: { __tcfapiCall: {…} } as an object or as JSON, answered in
  // the same form).
  const relayFrameCall = (win, event) => {
    let message = event.data;
    const asJSON = typeof message == "string";
    try {
      if (asJSON) message = JSON.parse(message);
    } catch (e) {
      return;
    }
    for (const api of IAB_APIS) {
      const call = message && message[api + "Call"];
      if (!call || typeof call != "object") continue;
      const answer = (returnValue, success) => {
        const reply = { [api + "Return"]: { returnValue, success, callId: call.callId } };
        event.source?.postMessage(asJSON ? JSON.stringify(reply) : reply, "*");
      };
      if (api == "__gpp") win[api](call.command, answer, call.parameter, call.version);
      else win[api](call.command, call.version, answer, call.parameter);
    }
  };

  const exported = {
    enc: encodeDecision, dec: decodeDecision, pick: pickDecision, valid: isValid, fromResp: decisionFromResponse,
    eff: effectiveChoices, all: everyCategory, gpcKeys: gpcCategoryKeys, doomed: doomedCookies, doms: expiryDomains,
    cdom: decisionCookieDomain, ck: decisionCookie, sub: fillCategory, denied: consentModeDenied,
    stubs: installApiStubs, relay: relayFrameCall,
  };
  if (typeof module == "object" && module.exports) module.exports = exported;
  // Only once per page, and only in a browser.
  if (typeof document == "undefined" || window.assent) return;

  // ---------------------------------------------------------------------------------------------------------------
  // The browser part

  const doc = document, root = doc.documentElement, win = window;
  // async scripts have no currentScript once they run late in some browsers: find the embed tag then
  const script = doc.currentScript || doc.querySelector('script[data-property][src*="assent.js"]');
  if (!script) return;
  const options = script.dataset;
  const origin = new URL(script.src, location.href).origin;
  const property = options.property, region = options.region || "";
  const lang = (options.lang || (root.lang || "").split("-")[0] || "en").toLowerCase();
  const configTtlMs = (+options.configTtl || 3600) * 1e3;
  const gpc = navigator.globalPrivacyControl === true;
  const cookieName = "assent_" + property;
  const configCacheKey = "assent:" + property + ":" + lang, signalsCacheKey = "assent:" + property + "#s";
  const nowSeconds = () => Math.floor(Date.now() / 1e3);
  // data-api: another base for the property's API (the console's preview answers from an unsaved draft)
  const apiBase = options.api || origin + "/v1/properties/" + encodeURIComponent(property);

  let choices = {}; // in effect now, by category key
  let config = null; // the property's config for this visitor
  let configCache = null; // { at: ms, v: config } as kept in localStorage
  let configRequest = null; // the promise of the config, once asked for
  let configFromNetwork = false; // whether this view fetched the config (so it is as fresh as it gets)
  let stylesheet = null; // the promise that assent.css has loaded (or given up)
  let decisionCount = 0; // only the latest decision's answer may change the choices
  let postQueue = Promise.resolve(); // decisions are posted one after the other
  let decision = pickDecision(doc.cookie, cookieName);
  let identity = options.identity || win.assentIdentity; // a signed-in reader's token, dropped if refused
  let signalsRequested = false, beaconSent = false;
  let bannerEl = null, overlayEl = null, dialogEl = null, focusBeforeDialog = null;
  let bannerShown = null; // the promise that the banner is in the page (null: none was asked for)
  const changeListeners = [];

  // Shared with assent-signals.js (window.assent._s). q, l, n, p: see installApiStubs; g: the signals (server-encoded
  // strings and consent mode) of the decision in effect, null while unknown; a: whether a user action made them;
  // c(), d(): the config and the decision; f and x are set by the signals script (its event hook and what it adds
  // to a consent body).
  const bridge = { q: [], l: [], n: 0, g: null, c: () => config, d: () => decision };

  // ---- What the banner must not wait for ------------------------------------------------------------------------

  // The beacon, keeping the config for the next view and the IAB locator frames wait until the banner (if one is
  // to show) is in the page and the next frame is painted, then run each in a task of its own: none of them delays
  // the banner's frame or makes one long task of it. (A hidden tab paints no frame: then 100 ms after.) Work that
  // must not be lost (keep) runs at once if the page is left before.
  let bannerSettled; // called once the banner is in the page, or is known not to come
  const bannerDone = new Promise(resolve => (bannerSettled = resolve));
  const leftUndone = new Set();
  const afterBanner = (work, keep) => {
    let done = 0;
    const run = () => {
      if (done++) return;
      leftUndone.delete(run);
      work();
    };
    if (keep) leftUndone.add(run);
    bannerDone
      .then(() => new Promise(painted => {
        setTimeout(painted, 100);
        win.requestAnimationFrame?.(() => setTimeout(painted));
      }))
      .then(run);
  };
  win.addEventListener("pagehide", () => leftUndone.forEach(run => run()));

  // ---- What the banner waits for: the config and the stylesheet -------------------------------------------

  const configIsFresh = () => configCache && Date.now() - configCache.at < configTtlMs;

  // A JSON request to the server, without cookies. A refused identity token is dropped and the request made again
  // without it (the visitor is then treated as anonymous).
  const request = (url, body) =>
    fetch(url, {
      method: body && "POST",
      credentials: "omit",
      headers: { ...(body && { "content-type": "application/json" }), ...(identity && { "assent-identity": identity }) },
      body,
    }).then(response => {
      if (response.ok) return response.json();
      if (!identity) return Promise.reject();
      identity = 0;
      return request(url, body);
    });

  // The config: from the cache while fresh, else from the server (kept for next time). A failed request can be
  // tried again, and falls back on a cached config.
  const loadConfig = () => {
    if (configRequest) return configRequest;
    if (configIsFresh()) return (configRequest = Promise.resolve(config));
    configFromNetwork = true;
    const url = apiBase + "/config?lang=" + encodeURIComponent(lang) + (region ? "&region=" + encodeURIComponent(region) : "");
    return (configRequest = request(url).then(
      fetched => {
        config = fetched;
        const kept = (configCache = { at: Date.now(), v: fetched });
        // kept for the next view, once the banner is painted
        afterBanner(() => {
          try {
            localStorage.setItem(configCacheKey, JSON.stringify(kept));
          } catch (e) {}
        }, 1);
        return fetched;
      },
      error => {
        configRequest = null;
        if (config) return config;
        throw error;
      }));
  };

  const element = (tag, className, text) => {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  };
  const button = (text, onClick, className = "assent-btn") => {
    const node = element("button", className, text);
    node.type = "button";
    node.onclick = onClick;
    return node;
  };

  // The stylesheet; its absence (after 3 s) does not keep the banner away.
  const loadStylesheet = () => stylesheet || (stylesheet = new Promise(resolve => {
    const link = element("link");
    link.rel = "stylesheet";
    link.href = origin + "/assent.css";
    link.onload = link.onerror = resolve;
    setTimeout(resolve, 3e3);
    (doc.head || root).append(link);
  }));

  // Without a decision in force the banner will show: ask for the config and the stylesheet now, in parallel,
  // before anything else is set up (the locator frames, the stubs, reading localStorage). Nothing here waits for
  // assent-signals.js. (The config cache is not read yet: without a decision it would not be used anyway.)
  const undecided = !isValid(decision, nowSeconds());
  if (undecided) {
    loadConfig();
    loadStylesheet();
  }

  // The signals script is needed once the signals are known and a page called an API or a TCF property shows its UI.
  const loadSignalsIfNeeded = () => {
    if (!bridge.g || signalsRequested || !(bridge.p || (config && config.tcf && (bannerEl || overlayEl)))) return;
    signalsRequested = true;
    const tag = doc.createElement("script");
    tag.src = origin + "/assent-signals.js";
    tag.nonce = script.nonce;
    (doc.head || root).append(tag);
  };
  installApiStubs(win, bridge, loadSignalsIfNeeded);
  win.addEventListener("message", event => relayFrameCall(win, event));

  window.assent = {
    v: 1,
    choices: () => ({ ...choices }),
    showPreferences: () => {
      showPreferences();
    },
    on: (event, listener) => {
      if (event == "change" && typeof listener == "function") changeListeners.push(listener);
    },
    decision: () => (isValid(decision, nowSeconds()) ? JSON.parse(JSON.stringify(decision)) : null),
    _s: bridge,
  };

  try {
    configCache = JSON.parse(localStorage.getItem(configCacheKey));
  } catch (e) {}
  if (configCache && configCache.v && configCache.v.categories && (!region || configCache.v.region == region)) {
    config = configCache.v;
  } else {
    configCache = null;
  }
  // The signals kept for the decision in the cookie, if they are still that decision's (no decision: none to read;
  // each localStorage read is a synchronous round trip to the browser's storage).
  try {
    const kept = !undecided && JSON.parse(localStorage.getItem(signalsCacheKey));
    if (kept && kept.s == decision.s && kept.v == decision.v && kept.t == decision.t) bridge.g = kept.g;
  } catch (e) {}

  // Google consent mode: a default before any tag reads it (tags wait up to 500 ms for an update).
  win.dataLayer = win.dataLayer || [];
  if (typeof win.gtag != "function") {
    win.gtag = function () {
      win.dataLayer.push(arguments);
    };
  }
  win.gtag("consent", "default", bridge.g ? bridge.g.consentMode : { ...consentModeDenied(), wait_for_update: 500 });
  if (!bridge.g && config && config.signals) {
    win.gtag("consent", "default", { ...config.signals.consentMode, region: [config.region], wait_for_update: 500 });
  }

  // New signals from the server: keep them with the decision they belong to (keep), tell consent mode and the
  // signals script. byUser: a visitor's action made them (the TCF events differ).
  const applySignals = (signals, byUser, keep) => {
    if (keep) {
      try {
        localStorage.setItem(signalsCacheKey, JSON.stringify({ s: decision.s, v: decision.v, t: decision.t, g: signals }));
      } catch (e) {}
    }
    if (!signals) return;
    bridge.g = signals;
    bridge.a = byUser;
    win.gtag("consent", "update", signals.consentMode);
    loadSignalsIfNeeded();
    bridge.f && bridge.f();
  };

  const allowed = category => choices[category] === true;
  const applyChoices = next => {
    choices = next;
    expireDeniedCookies();
    releaseAllowed();
    for (const listener of changeListeners) {
      try {
        listener({ ...choices });
      } catch (e) {}
    }
    doc.dispatchEvent(new CustomEvent("assent:change", { detail: { ...choices } }));
  };

  // Expire the listed first-party cookies of the denied categories.
  const expireDeniedCookies = () => {
    if (!config) return;
    const names = doc.cookie.split(";").map(pair => pair.split("=")[0].trim()).filter(Boolean);
    for (const category of config.categories) {
      if (category.required || choices[category.key] !== false) continue;
      for (const name of doomedCookies(category, names)) {
        for (const domain of expiryDomains(location.hostname, config.cookieDomain)) {
          doc.cookie = name + "=; Path=/; Max-Age=0" + (domain ? "; Domain=" + domain : "");
        }
      }
    }
  };

  // While the page is being parsed, a gated script may still be arriving: it is complete once something follows it.
  const isComplete = node => {
    if (doc.readyState != "loading") return true;
    for (let n = node; n; n = n.parentNode) if (n.nextSibling) return true;
    return false;
  };
  // Run the gated scripts (type="text/plain" data-assent="category") of allowed categories, gate the frames.
  const releaseAllowed = () => {
    for (const gated of doc.querySelectorAll('script[type="text/plain"][data-assent]:not([data-assent-ran])')) {
      if (allowed(gated.dataset.assent) && isComplete(gated)) runGatedScript(gated);
    }
    for (const frame of doc.querySelectorAll("iframe[data-assent][data-src]")) gateFrame(frame);
  };
  // A copy of the gated script with its real type runs; an external one keeps its order unless it asked for async.
  const runGatedScript = gated => {
    gated.setAttribute("data-assent-ran", "");
    const copy = doc.createElement("script");
    for (const attribute of gated.attributes) {
      if (!/^(type|data-assent|data-assent-ran|data-type)$/.test(attribute.name)) copy.setAttribute(attribute.name, attribute.value);
    }
    if (gated.dataset.type) copy.type = gated.dataset.type;
    if (gated.nonce) copy.nonce = gated.nonce;
    if (gated.hasAttribute("src")) {
      if (!gated.hasAttribute("async")) copy.async = false;
    } else {
      copy.text = gated.text;
    }
    gated.after(copy);
  };
  // A gated frame loads its data-src when its category is allowed, else shows a placeholder offering to allow it.
  const gateFrame = frame => {
    const url = frame.dataset.src;
    if (allowed(frame.dataset.assent)) {
      if (frame._p) {
        frame._p.remove();
        frame._p = null;
        frame.style.display = "";
      }
      if (frame.getAttribute("src") != url) frame.src = url;
    } else {
      if (frame.hasAttribute("src")) {
        frame.src = "about:blank";
        frame.removeAttribute("src");
      }
      if (!frame._p) showPlaceholder(frame);
    }
  };


  const showPlaceholder = frame => {
    // kept on the frame as _p (the node tests find it there)
    const key = frame.dataset.assent, placeholder = (frame._p = element("div", "assent assent-ph"));
    frame.style.display = "none";
    frame.before(placeholder);
    loadStylesheet();
    loadConfig().then(loaded => {
      const category = loaded.categories.find(c => c.key == key), title = category ? category.title : key;
      placeholder.append(
        element("p", 0, fillCategory(loaded.texts.placeholder, title)),
        button(fillCategory(loaded.texts.placeholderButton, title), () => decide("save", { ...choices, [key]: true })));
    }).catch(() => {});
  };

  const writeDecisionCookie = written => {
    const domain = decisionCookieDomain(location.hostname, config.cookieDomain);
    doc.cookie = decisionCookie(cookieName, written, domain, location.protocol == "https:", nowSeconds());
    // a host-only cookie from before the property had a cookie domain would shadow the shared one
    if (domain) doc.cookie = cookieName + "=; Path=/; Max-Age=0";
  };

  // Decisions are posted in order: a second one reuses the subject the first one got. Only the latest decision's
  // answer may change the choices (the visitor may have changed them again meanwhile).
  const postDecision = (action, next) => {
    const mine = ++decisionCount;
    return (postQueue = postQueue.then(() => {
      const sent = {};
      for (const category of config.categories) if (!category.required) sent[category.key] = !!next[category.key];
      const body = { ...bridge.x, choices: sent, action, policyVersion: config.policyVersion, lang: config.lang || lang, gpc };
      if (decision && decision.s) body.subject = decision.s;
      if (region) body.region = region;
      return request(apiBase + "/consents", JSON.stringify(body)).then(response => {
        const effective = adoptDecision(response, action != "gpc");
        if (mine == decisionCount && JSON.stringify(effective) != JSON.stringify(choices)) applyChoices(effective);
      });
    }).catch(() => bridge.f && bridge.f()));
  };
  // A decision from the server becomes the cookie's; returns the choices it puts in effect.
  const adoptDecision = (response, byUser) => {
    writeDecisionCookie((decision = decisionFromResponse(response)));
    applySignals(response.signals, byUser, 1);
    return effectiveChoices(config, toBooleans(response.choices), gpc);
  };
  // A visitor's decision takes effect at once; the server's answer follows.
  const decide = (action, next) => {
    next = effectiveChoices(config, next, gpc);
    bridge.f && bridge.f(1, action);
    hideAll();
    applyChoices(next);
    return postDecision(action, next);
  };
  // No decision in force: the defaults apply; the banner asks, unless GPC decides (outside opt-in regimes).
  const askForDecision = base => {
    const next = effectiveChoices(config, base, gpc);
    applyChoices(next);
    if (gpc && config.regime != "opt-in") postDecision("gpc", next);
    else showBanner();
  };

  // Adds the banner or the preferences to the page once styled and the body exists, unless closed meanwhile.
  // The signals script (the TCF section, the full IAB APIs) is asked for only once the node is in: it must never
  // be what the banner waits for.
  const show = node => {
    const bodyReady = new Promise(resolve =>
      doc.readyState == "loading" ? doc.addEventListener("DOMContentLoaded", resolve) : resolve());
    return Promise.all([loadStylesheet(), bodyReady]).then(() => {
      if (node == bannerEl || node == overlayEl) doc.body.append(node);
      loadSignalsIfNeeded();
    });
  };
  const closePreferences = () => {
    if (!overlayEl) return;
    overlayEl.remove();
    overlayEl = dialogEl = null;
    if (focusBeforeDialog && focusBeforeDialog.isConnected && focusBeforeDialog.focus) focusBeforeDialog.focus();
  };
  const hideAll = () => {
    closePreferences();
    if (bannerEl) {
      bannerEl.remove();
      bannerEl = null;
    }
  };
  const focusables = container => [...container.querySelectorAll("button,a[href],input:not([disabled]),summary")];
  const policyLink = (text, key) => {
    const url = config.links && config.links[key];
    if (!url) return "";
    const anchor = element("a", 0, text);
    anchor.href = new URL(url, origin).href;
    return anchor;
  };

  // One beacon per view that shows the banner or the preferences to a visitor without a decision; it carries no ID.
  // The banner's is sent once the banner is painted (later).
  const beaconOnce = (event, later) => {
    if (beaconSent || isValid(decision, nowSeconds())) return;
    beaconSent = true;
    const url = apiBase + "/events" + (region ? "?region=" + encodeURIComponent(region) : "");
    const body = JSON.stringify({ event, policyVersion: config.policyVersion, lang: config.lang || lang });
    const send = () => navigator.sendBeacon?.(url, body);
    later ? afterBanner(send, 1) : send();
  };

  const showBanner = () => {
    if (bannerEl) return;
    const texts = config.texts;
    const banner = (bannerEl = element("div", "assent assent-b"));
    const wrap = element("div", "assent-w"), text = element("div", "assent-tx"), actions = element("div", "assent-a");
    banner.setAttribute("role", "region");
    banner.setAttribute("aria-label", texts.bannerTitle);
    text.append(element("p", "assent-t", texts.bannerTitle), element("p", 0, texts.bannerText));
    if (config.showDoNotSell) text.append(button(texts.doNotSell, () => showPreferences(1), "assent-l"));
    // data-assent-action names the decision a button makes, for tools that look at the banner (the scanner)
    const acceptAll = button(texts.acceptAll, () => decide("accept_all", everyCategory(config, true)));
    acceptAll.setAttribute("data-assent-action", "accept_all");
    actions.append(acceptAll);
    if (config.showRejectAll !== false) {
      const rejectAll = button(texts.rejectAll, () => decide("reject_all", everyCategory(config, false)));
      rejectAll.setAttribute("data-assent-action", "reject_all");
      actions.append(rejectAll);
    }
    actions.append(button(texts.preferences, () => showPreferences(), "assent-btn assent-2"));
    wrap.append(text, actions);
    banner.append(wrap);
    // the beacon once the banner is in (a request less before it), sent once it is painted
    bannerShown = show(banner).then(() => banner.isConnected && beaconOnce("banner_shown", 1));
  };

  // The preferences dialog; forSale: opened by "Do not sell", focus goes to the sale switch.
  const showPreferences = forSale => loadConfig().then(() => {
    if (overlayEl) return;
    beaconOnce("preferences_shown");
    const texts = config.texts, current = effectiveChoices(config, choices, gpc), switches = {};
    const overlay = (overlayEl = element("div", "assent assent-o")), dialog = (dialogEl = element("div", "assent-d"));
    focusBeforeDialog = doc.activeElement;
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-labelledby", "assent-pt");
    dialog.tabIndex = -1;
    const heading = element("h2", 0, texts.preferencesTitle), closeButton = button("\u00d7", closePreferences, "assent-x");
    const head = element("div", "assent-h"), body = element("div", "assent-c"), foot = element("div", "assent-f");
    heading.id = "assent-pt";
    closeButton.setAttribute("aria-label", texts.close);
    head.append(heading, closeButton);
    body.append(element("p", 0, texts.preferencesIntro), policyLink(texts.cookiePolicy, "cookiePolicy"));
    if (gpc) body.append(element("p", "assent-g", texts.gpcHonoured));
    body.append(button(texts.allowAll, () => decide("accept_all", everyCategory(config, true))));
    for (const category of config.categories) {
      const row = element("div", "assent-r"), rowHead = element("div", "assent-rh"), id = "assent-k-" + category.key;
      const description = element("p", 0, category.description);
      description.id = id + "-d";
      if (category.required) {
        rowHead.append(element("span", "assent-rt", category.title), element("span", "assent-aa", texts.alwaysActive));
      } else {
        const label = element("label", "assent-rt", category.title), toggle = (switches[category.key] = element("input"));
        label.htmlFor = toggle.id = id;
        toggle.type = "checkbox";
        toggle.setAttribute("role", "switch");
        toggle.setAttribute("aria-describedby", description.id);
        toggle.checked = current[category.key];
        toggle.disabled = gpc && !!category.gpc;
        rowHead.append(label, toggle);
        (toggle.onchange = () => toggle.setAttribute("aria-checked", toggle.checked))();
      }
      row.append(rowHead, description);
      if (category.cookies && category.cookies.length) {
        const details = element("details"), list = element("ul");
        for (const cookie of category.cookies) {
          const item = element("li");
          item.append(
            element("code", 0, cookie.name + (cookie.prefix ? "*" : "")),
            element("span", 0, [cookie.duration, cookie.party].filter(Boolean).join(" \u00b7 ")),
            element("p", 0, cookie.description));
          list.append(item);
        }
        details.append(element("summary", 0, texts.cookiesHeading), list);
        row.append(details);
      }
      body.append(row);
    }
    foot.append(button(texts.saveSettings, () => {
      const next = { ...choices };
      for (const key in switches) next[key] = switches[key].checked;
      decide("save", next);
    }));
    dialog.append(head, body, foot);
    overlay.append(dialog);
    show(overlay).then(() => {
      const sale = forSale && switches.sale;
      (sale && !sale.disabled ? sale : focusables(dialog)[0]).focus();
    });
  }).catch(() => {});

  // The dialog is modal: Escape closes it, Tab cycles within it, focus cannot leave it.
  doc.addEventListener("keydown", event => {
    const dialog = dialogEl;
    if (!dialog || !dialog.isConnected) return;
    if (event.key == "Escape") {
      event.preventDefault();
      closePreferences();
    } else if (event.key == "Tab") {
      const list = focusables(dialog), first = list[0], last = list[list.length - 1], active = doc.activeElement;
      const leaving = event.shiftKey ? active == first || !dialog.contains(active) || active == dialog : active == last;
      if (leaving) {
        event.preventDefault();
        (event.shiftKey ? last : first).focus();
      }
    }
  });
  doc.addEventListener("focusin", event => {
    if (dialogEl && dialogEl.isConnected && !dialogEl.contains(event.target)) focusables(dialogEl)[0].focus();
  });
  // Links and buttons of the page can open the preferences.
  doc.addEventListener("click", event => {
    const opener = event.target.closest && event.target.closest("[data-assent-preferences],[data-assent-do-not-sell]");
    if (!opener) return;
    event.preventDefault();
    showPreferences(opener.hasAttribute("data-assent-do-not-sell"));
  });
  // The IAB locator frames (of the APIs apis) tell frames that a CMP is on the page.
  const addLocatorFrames = apis => {
    for (const api of apis) {
      if (win.frames[api + "Locator"]) continue;
      const frame = element("iframe");
      frame.name = api + "Locator";
      frame.style.display = "none";
      doc.body.prepend(frame);
    }
  };
  const placeLocatorFrames = apis =>
    doc.body ? addLocatorFrames(apis) : doc.addEventListener("DOMContentLoaded", () => addLocatorFrames(apis));
  // Each frame costs the main thread about 10 ms or more (a browsing context each): without a decision they are
  // added after the banner is painted, one per task, so the banner never waits for them. Until then the page's own
  // calls reach the stubs.
  if (undecided) for (const api of IAB_APIS) afterBanner(() => placeLocatorFrames([api]));
  else placeLocatorFrames(IAB_APIS);
  // Gated scripts and frames added later (while parsing, or by the page's scripts) are gated as they come.
  new MutationObserver(mutations => {
    for (const mutation of mutations) {
      for (const node of mutation.addedNodes) {
        const parsing = doc.readyState == "loading";
        if (parsing || (node.nodeType == 1 && (node.hasAttribute("data-assent") || node.querySelector("[data-assent]")))) {
          return releaseAllowed();
        }
      }
    }
  }).observe(root, { childList: true, subtree: true });
  doc.addEventListener("DOMContentLoaded", releaseAllowed);

  if (!undecided) {
    // A valid decision applies at once; the config is asked for only for GPC or when stale.
    const kept = toBooleans(decision.c);
    let gpcChanged = false;
    if (gpc) {
      for (const key of gpcCategoryKeys(config)) {
        if (kept[key]) {
          kept[key] = false;
          gpcChanged = true;
        }
      }
    }
    applyChoices(kept);
    bannerSettled(); // no banner to wait for, unless the policy version moved (then the banner does not wait)
    const checkConfig = loaded => {
      // a signed-in reader's newer decision (made elsewhere) wins
      if (unixSeconds(loaded.decision?.recordedAt) > decision.t) return applyChoices(adoptDecision(loaded.decision));
      // a new policy version asks again (after making sure the config is not a stale cached one)
      if (loaded.policyVersion != decision.v) {
        if (configFromNetwork) {
          applySignals(loaded.signals);
          return askForDecision(choices);
        }
        configCache = configRequest = null;
        return loadConfig().then(checkConfig);
      }
      const next = { ...choices };
      let changed = false;
      if (gpc) {
        for (const key of gpcCategoryKeys(loaded)) {
          if (next[key]) {
            next[key] = false;
            changed = true;
          }
        }
      }
      if (changed) applyChoices(next);
      if (gpcChanged || changed) postDecision("gpc", choices);
    };
    if (gpcChanged || !configIsFresh() || config.policyVersion != decision.v) loadConfig().then(checkConfig).catch(() => {});
    // the decision's signals when not kept (another tab or an older widget wrote the cookie)
    if (bridge.g === null) {
      fetch(apiBase + "/subjects/" + encodeURIComponent(decision.s), { credentials: "omit" })
        .then(response => response.json())
        .then(subject => applySignals(subject.signals, 0, 1))
        .catch(() => {});
    } else {
      loadSignalsIfNeeded();
    }
  } else {
    // No decision: the regime depends on where the visitor is now, so no cached config (the request for it started
    // at the top).
    configCache = config = null;
    loadConfig()
      .then(() => (config.decision ? applyChoices(adoptDecision(config.decision)) : (applySignals(config.signals), askForDecision(null))))
      .catch(() => {})
      .then(() => bannerShown)
      .catch(() => {})
      .then(bannerSettled);
  }
})();
