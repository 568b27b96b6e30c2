"""Time to banner: see scripts/bench-banner, which runs this with the venv's Python.

Each load starts a cold headless Chromium (a fresh profile, so no cache, no cookies, no stored config) and drives it
over the DevTools protocol (websocket-client). A script added before the page's own records, on the page's clock
(performance.now(), 0 at navigation start), when the target enters the page ("in the page": the page's heading for
the empty page, the banner .assent-b for the widget pages), when the frame after it has been rendered ("shown": the
first timer after the next animation frame) and when that frame was presented ("painted": Element Timing's renderTime
of the target's first text, whole milliseconds; it also counts the compositor, so it is later and noisier) and
"painted - own FCP": painted less the same load's first contentful paint, which leaves out how fast that browser
happened to start (for a widget page: how long after the page's own first paint its banner came).
Beside it: the layout shift within 300 ms after (CLS), the main thread's script time until shown
(from a DevTools trace of the load: the renderer main thread's time in script (EvaluateScript, FunctionCall,
RunMicrotasks, v8.compile), what runs inside it included (forced layouts, frames created), from navigation start
until shown; the empty page's is the floor of the measuring script itself; a DevTools call made after the load would
count what the page runs after shown as well) and, of it, the CPU time (the events' thread time: the rest is the
thread waiting, for another Chromium process or for a core), and when
each of the widget's requests started and finished.
"""

import argparse
import http.server
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import websocket

# The page is empty but for a heading; the widget pages are the same page with the one-tag embed.
EMPTY = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Empty</title>{embed}</head>
<body><h1>A heading</h1><p>Some text of the page.</p></body></html>"""
EMBED = '<script src="{origin}/assent.js" data-property="demo" async></script>'
# The floor of any banner an async script makes: a script that does nothing but add a fixed box with a line of
# text (no cookie or storage read, no request, no stylesheet), loaded the way the embed is
FLOOR = b"""(() => {
  const box = document.createElement("div"), text = document.createElement("p");
  box.className = "assent-b";
  box.style.cssText = "position:fixed;left:0;right:0;bottom:0;padding:16px;background:#fff;border-top:1px solid #888";
  text.textContent = "We use cookies to run this site and, with your consent, to measure it.";
  box.append(text);
  (document.body || document.documentElement).append(box);
})();
"""

# Runs before anything of the page. Resolves window.__bench once the target is rendered, and __benchShift with the
# layout shift 300 ms later (the banner must cause none).
PROBE = r"""
(() => {
  const selector = %s;
  let shift = 0;
  try {
    new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) shift += e.value })
      .observe({ type: "layout-shift", buffered: true });
  } catch (e) {}
  window.__bench = new Promise(resolve => {
    let seen = false;
    const check = () => {
      if (seen) return;
      // nothing that forces a layout here (it would count as the page's script time): the widget adds the banner
      // only once its stylesheet is in, so being in the page is being styled
      const el = document.querySelector(selector);
      if (!el || !el.isConnected) return;
      seen = true;
      const inPage = performance.now();
      // Element Timing: when the target's first text is presented (the attribute is set before the next frame)
      const text = el.matches("h1, p") ? el : el.querySelector("p");
      window.__benchPainted = new Promise(painted => {
        try {
          new PerformanceObserver(list => {
            for (const e of list.getEntries()) if (e.identifier == "bench") painted(e.renderTime || e.loadTime);
          }).observe({ type: "element", buffered: true });
          text.setAttribute("elementtiming", "bench");
        } catch (e) {}
        setTimeout(() => painted(NaN), 3000);
      });
      // the frame that shows it: after the next animation frame's rendering
      requestAnimationFrame(() => setTimeout(() => resolve({ inPage, shown: performance.now() })));
    };
    new MutationObserver(check).observe(document, { childList: true, subtree: true });
    document.addEventListener("DOMContentLoaded", check);
  });
  window.__benchShift = window.__bench.then(() => new Promise(resolve => setTimeout(() => resolve(shift), 300)));
})();
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


WIDGET = os.path.join(os.path.dirname(__file__), "..", "..", "Sources", "AssentServer", "Resources", "widget")


class Pages(http.server.BaseHTTPRequestHandler):
    """The empty page (/empty), the widget page (/widget: the embed from the assent server), the same page with
    the widget and a recorded config from here (/static: what the widget's own chain costs with a server that
    answers at once) and with the floor script instead of the widget (/floor)."""
    widget_origin = ""
    config = b""
    compare_dir = None

    def answer(self, body, kind, status=200):
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.send_header("cache-control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/before/assent.js" and self.compare_dir:
            with open(os.path.join(self.compare_dir, "assent.js"), "rb") as f:
                return self.answer(f.read(), "text/javascript")
        if path in ("/assent.js", "/assent-signals.js", "/assent.css"):
            with open(os.path.join(WIDGET, path[1:]), "rb") as f:
                return self.answer(f.read(), "text/css" if path.endswith(".css") else "text/javascript")
        if path == "/floor.js":
            return self.answer(FLOOR, "text/javascript")
        if path == "/floor":
            return self.answer(EMPTY.format(embed='<script src="/floor.js" async></script>').encode(),
                               "text/html; charset=utf-8")
        if path == "/v1/properties/demo/config":
            return self.answer(self.config, "application/json")
        origin = {"/widget": self.widget_origin, "/static": "", "/before": "/before"}.get(path)
        embed = EMBED.format(origin=origin) if origin is not None else ""
        self.answer(EMPTY.format(embed=embed).encode(), "text/html; charset=utf-8")

    def do_POST(self):  # the beacon
        self.answer(b"", "text/plain", 204)

    def log_message(self, *args):
        pass


class DevTools:
    def __init__(self, url):
        self.ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == my:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def until(self, method):
        """Reads messages until the event method, keeping every event."""
        while True:
            message = json.loads(self.ws.recv())
            if "method" in message:
                self.events.append(message)
                if message["method"] == method:
                    return

    def close(self):
        self.ws.close()


# What the main thread spends in script, what it runs inside included (nested events are counted once)
SCRIPT_EVENTS = {"EvaluateScript", "FunctionCall", "RunMicrotasks", "v8.compile"}


def script_ms(trace, url, until_ms):
    """The renderer main thread's time in script from the navigation to url until until_ms on the page's clock, as
    (wall, thread): wall is how long the main thread was held (waits for other processes included: the first
    cookie or localStorage read is a synchronous call to the network or storage service, and on a loaded machine
    the thread may be off its core), thread is the CPU time it spent (the events' thread durations)."""
    start = next((e for e in trace if e.get("name") == "navigationStart"
                  and ((e.get("args") or {}).get("data") or {}).get("documentLoaderURL") == url), None)
    if start is None:
        return float("nan"), float("nan")
    t0, end = start["ts"], start["ts"] + until_ms * 1000
    events = sorted((e for e in trace
                     if e.get("ph") == "X" and e.get("name") in SCRIPT_EVENTS and e.get("pid") == start["pid"]
                     and e.get("tid") == start["tid"] and e["ts"] < end and e["ts"] + e.get("dur", 0) > t0),
                    key=lambda e: e["ts"])
    wall = thread = 0
    reached = t0
    for e in events:
        a, b = max(e["ts"], t0, reached), min(e["ts"] + e.get("dur", 0), end)
        if b > a:
            wall += b - a
        if e["ts"] >= reached:  # an outermost event: its thread time holds that of the events inside it
            thread += e.get("tdur", float("nan"))
        reached = max(reached, e["ts"] + e.get("dur", 0))
    return wall / 1000, thread / 1000


def remove_profile(profile):
    """Removes a throwaway profile. Chromium's helper processes may still write into it for a moment after the
    browser has exited (a `Default` folder came back after one load in ten), so remove until it stays gone."""
    # Chromium's process-singleton folder in the temporary directory, which a terminated browser leaves behind
    # (the profile's SingletonSocket links into it)
    try:
        singleton = os.path.dirname(os.readlink(os.path.join(profile, "SingletonSocket")))
        if os.path.basename(singleton).startswith("org.chromium.Chromium."):
            shutil.rmtree(singleton, ignore_errors=True)
    except OSError:
        pass
    deadline = time.monotonic() + 5
    while os.path.exists(profile) and time.monotonic() < deadline:
        shutil.rmtree(profile, ignore_errors=True)
        time.sleep(0.1)


def cold_load(chromium, url, selector):
    """One load in a fresh browser: {shown, inPage, shift, script, requests}."""
    profile = tempfile.mkdtemp(prefix="bench-banner-")
    proc = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-sync",
         "--disable-component-update", "--window-size=1280,900", f"--user-data-dir={profile}",
         "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.monotonic() + 20
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("chromium did not start")
            time.sleep(0.02)
        port = open(port_file).read().split("\n")[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as r:
            page = next(t for t in json.load(r) if t["type"] == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Page.enable")
        tools.call("Network.enable")
        tools.call("Tracing.start", categories="devtools.timeline,v8.execute,blink.user_timing", transferMode="ReportEvents")
        tools.call("Page.addScriptToEvaluateOnNewDocument", source=PROBE % json.dumps(selector))
        tools.call("Page.navigate", url=url)
        result = tools.call("Runtime.evaluate", expression="window.__bench", awaitPromise=True, returnByValue=True,
                            timeout=15000)
        value = result["result"].get("value")
        if not value:
            raise RuntimeError(f"no measurement: {result}")
        value["painted"] = tools.call("Runtime.evaluate", expression="window.__benchPainted", awaitPromise=True,
                                      returnByValue=True)["result"].get("value", float("nan"))
        # the page's own first contentful paint in the same load: painted minus it leaves out how fast this
        # browser happened to start (the larger part of the spread between loads)
        value["fcp"] = tools.call("Runtime.evaluate", returnByValue=True, expression=(
            "(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: NaN}).startTime"
        ))["result"].get("value", float("nan"))
        value["afterFcp"] = value["painted"] - value["fcp"]
        value["shift"] = tools.call("Runtime.evaluate", expression="window.__benchShift", awaitPromise=True,
                                    returnByValue=True)["result"]["value"]
        # the main thread's script time until the target showed (what the banner waited for, the measuring included)
        tools.call("Tracing.end")
        tools.until("Tracing.tracingComplete")
        trace = [event for e in tools.events if e["method"] == "Tracing.dataCollected" for event in e["params"]["value"]]
        value["script"], value["scriptCPU"] = script_ms(trace, url, value["shown"])
        # when each request started, on the page's clock (the document's request is its start)
        sent = [e["params"] for e in tools.events if e["method"] == "Network.requestWillBeSent"]
        start = next((p["timestamp"] for p in sent if p["type"] == "Document"), None)
        finished = {e["params"]["requestId"]: e["params"]["timestamp"] for e in tools.events
                    if e["method"] == "Network.loadingFinished"}
        value["requests"] = {}
        for p in sent:
            path = p["request"]["url"].split("?")[0].rsplit("/", 1)[-1]
            if start is not None and path in ("assent.js", "assent.css", "assent-signals.js", "config", "events"):
                end = finished.get(p["requestId"])
                value["requests"].setdefault(path, ((p["timestamp"] - start) * 1000,
                                                    (end - start) * 1000 if end else float("nan")))
        tools.close()
        return value
    finally:
        stop_browser(proc)
        remove_profile(profile)


def stop_browser(proc):
    """Stops the browser and every helper it started (they share its process group): a helper that outlived the
    browser could still write into the profile after it was removed, and left one behind about once a day."""
    def signal_group(sig):
        try:
            os.killpg(proc.pid, sig)
            return True
        except ProcessLookupError:
            return False  # nothing left in the group

    signal_group(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        signal_group(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 10
    while signal_group(0) and time.monotonic() < deadline:
        time.sleep(0.05)
    signal_group(signal.SIGKILL)


def main():
    parser = argparse.ArgumentParser(description="time to banner beside an empty page's heading")
    parser.add_argument("--server", required=True, help="the assent server's origin, e.g. http://127.0.0.1:8080")
    parser.add_argument("--pages-port", type=int, default=0, help="the static pages' port (an origin the property allows)")
    parser.add_argument("--loads", type=int, default=9)
    parser.add_argument("--compare", help="a folder with another assent.js (say, an older one), measured beside")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args()

    Pages.widget_origin = args.server
    with urllib.request.urlopen(args.server + "/v1/properties/demo/config?lang=en") as r:
        Pages.config = r.read()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", args.pages_port or free_port()), Pages)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    pages = f"http://127.0.0.1:{httpd.server_address[1]}"
    cases = [
        ("empty page, heading", pages + "/empty", "h1"),
        ("empty page + assent.js, banner", pages + "/widget", ".assent-b"),
        ("Assent demo page, banner", args.server + "/demo/", ".assent-b"),
        ("same, widget + config from here", pages + "/static", ".assent-b"),
        ("floor: async script adds a box", pages + "/floor", ".assent-b"),
    ]
    if args.compare:
        Pages.compare_dir = args.compare
        cases.append(("same, the --compare assent.js", pages + "/before", ".assent-b"))
    load_before = os.getloadavg()[0]
    # interleaved, so that whatever else the machine does falls on every case alike
    results = {name: [] for name, _, _ in cases}
    for i in range(args.loads + 1):
        # each round starts at another case: a load right after a heavy one (the demo page's browser is still
        # going away) is slower, and no case should always be that one
        for name, url, selector in cases[i % len(cases):] + cases[:i % len(cases)]:
            try:
                value = cold_load(args.chromium, url, selector)
            except Exception as error:
                raise SystemExit(f"bench-banner: {name}: {error}")
            if i > 0:  # the first round warms the disk cache and the server
                results[name].append(value)

    def summary(values):
        values = sorted(values)
        return f"{statistics.median(values):6.1f} ({values[0]:.1f}–{values[-1]:.1f})"

    def summary_of(values, key):  # NaN left out
        present = [v[key] for v in values if v[key] == v[key]]
        return summary(present) if present else "–"

    def median_of(values, key):  # NaN (no Element Timing entry) left out
        present = [v[key] for v in values if v[key] == v[key]]
        return statistics.median(present) if present else float("nan")

    floor = statistics.median(v["shown"] for v in results[cases[0][0]])
    painted_floor = median_of(results[cases[0][0]], "painted")
    print(f"{args.loads} cold loads each, interleaved; ms from navigation start, median (range); load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after (on a busy machine every figure grows)")
    print(f"{'':34} {'in the page':>11} {'shown':>20} {'vs heading':>10} {'painted':>8} {'vs':>6} "
          f"{'painted - own FCP':>18} {'script ms':>20} {'of it CPU':>18} {'CLS':>6}")
    for name, _, _ in cases:
        values = results[name]
        shown = statistics.median(v["shown"] for v in values)
        painted = median_of(values, "painted")
        cls = max(v["shift"] for v in values)
        in_page = statistics.median(v["inPage"] for v in values)
        print(f"{name:34} {in_page:11.1f} {summary([v['shown'] for v in values]):>20} {shown - floor:+10.1f} "
              f"{painted:8.0f} {painted - painted_floor:+6.0f} {summary_of(values, 'afterFcp'):>18} "
              f"{summary([v['script'] for v in values]):>20} {summary_of(values, 'scriptCPU'):>18} {cls:6.3f}")
    print("\nthe widget's requests: started–finished, ms from navigation start, median")
    for name, _, _ in cases[1:]:
        if not results[name][0]["requests"]:
            continue
        starts = {}
        for v in results[name]:
            for path, at in v["requests"].items():
                starts.setdefault(path, []).append(at)
        order = sorted(starts, key=lambda p: statistics.median(a for a, _ in starts[p]))
        print(f"  {name:32} " + ", ".join(
            f"{p} {statistics.median(a for a, _ in starts[p]):.0f}–{statistics.median(b for _, b in starts[p]):.0f}"
            for p in order))
    httpd.shutdown()


if __name__ == "__main__":
    sys.exit(main())
