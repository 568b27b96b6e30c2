// The property preview's frame, before the widget runs: Global Privacy Control as the console chose it, and a
// cookie jar of the page's own, so that decisions made in a preview leave no cookie on the console's origin and
// a new preview starts without a decision. Old previews' kept configs are cleared.
(function () {
  var own = document.currentScript;
  if (own && own.dataset.gpc === "1") {
    Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: function () { return true; }, configurable: true });
  }
  var jar = {};
  Object.defineProperty(document, "cookie", {
    configurable: true,
    get: function () {
      return Object.keys(jar).map(function (name) { return name + "=" + jar[name]; }).join("; ");
    },
    set: function (text) {
      var pair = String(text).split(";")[0], at = pair.indexOf("=");
      if (at < 1) return;
      var name = pair.slice(0, at).trim(), value = pair.slice(at + 1).trim();
      if (/max-age=0/i.test(text) || value === "") delete jar[name];
      else jar[name] = value;
    }
  });
  try {
    for (var i = localStorage.length - 1; i >= 0; i--) {
      var key = localStorage.key(i);
      if (key && key.indexOf("assent:preview-") === 0) localStorage.removeItem(key);
    }
  } catch (e) {}
})();
