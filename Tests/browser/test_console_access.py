"""The console's access rules in Chromium against the real server (issue 17 §4): sign-in is limited after
repeated failures (429 with Retry-After, the right password refused while limited) and an unknown account gets
the same answer as a wrong password; a form posted without its CSRF token, or from another origin, is refused
and changes nothing; every page in the owner's navigation can be worked by keyboard alone (every interactive
element reachable by Tab with a visible focus, the skip link leads to the main content, a form submits by
Enter) and scrolls no sideways at 200% zoom, in English and Spanish.

The pages are read from the navigation, so pages added later are covered without editing this file. One
server and one browser serve the whole module; the tests run in file order and each signs the owner in again
when it needs to."""

import html
import json
import shutil
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CHROMEDRIVER, CHROMIUM, WAIT, running_server
from test_console import PASSWORD, no_sideways_scroll, setup_link, submit, violations, wait_path
from test_console_requests import post_json

OWNER = "owner@example.org"

# What Tab can reach on a page, marked with data-tab-index; the rest of the script records every element that
# receives focus from then on, with whether its focus is visible (a non-zero outline or a box shadow).
MARK = r"""
var sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"]), [contenteditable=""], [contenteditable=true]';
var all = Array.prototype.slice.call(document.querySelectorAll(sel)).filter(function (e) {
  if (e.disabled || e.closest('[inert]')) return false;
  if (e.getClientRects().length === 0) return false;
  var s = getComputedStyle(e);
  if (s.visibility !== 'visible') return false;
  var d = e.parentElement && e.parentElement.closest('details:not([open])');
  if (d && !(e.tagName === 'SUMMARY' && e.parentElement === d)) return false;
  return true;
});
var out = [];
all.forEach(function (e, i) {
  e.setAttribute('data-tab-index', String(i));
  var name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.getAttribute('name') ? '[name=' + e.getAttribute('name') + ']' : '')
    + (e.getAttribute('href') ? '[href=' + e.getAttribute('href') + ']' : '') + ' "' + (e.textContent || e.value || '').trim().slice(0, 40) + '"';
  out.push({i: i, name: name, radio: e.type === 'radio' ? (e.form ? e.form.getAttribute('action') : '') + '/' + e.name : null});
});
window.__focus = [];
document.addEventListener('focusin', function (ev) {
  var e = ev.target, s = getComputedStyle(e);
  var outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  var shadow = s.boxShadow && s.boxShadow !== 'none';
  window.__focus.push({i: e.getAttribute('data-tab-index'), id: e.id, tag: e.tagName.toLowerCase(),
                       inMain: !!e.closest('main'), visible: !!(outline || shadow),
                       style: s.outlineStyle + ' ' + s.outlineWidth + ' / ' + s.boxShadow});
}, true);
return out;
"""


def driver_options(tmp, name):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
              f"--user-data-dir={tmp / name}", "--no-first-run", "--no-default-browser-check",
              "--disable-dev-shm-usage", "--disable-extensions", "--lang=en-US"):
        opts.add_argument(a)
    # The performance log carries every response's status and headers, which a page cannot read of itself.
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return opts


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    """One server whose owner was made from the set-up link, and one browser signed in as that owner."""
    tmp = tmp_path_factory.mktemp("console-access")
    (tmp / "data").mkdir()
    with running_server(tmp / "data") as srv:
        d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=driver_options(tmp, "profile"))
        d.set_page_load_timeout(30)
        d.set_script_timeout(WAIT)
        try:
            d.get(setup_link(srv))
            submit(d, {"email": OWNER, "name": "Olga Owner", "password": PASSWORD})
            wait_path(d, "/admin/")
            # A privacy request, so the queue links to a request's page.
            post_json(srv, "/v1/properties/demo/requests",
                      {"type": "access", "email": "rosa@example.org", "details": {"name": "Rosa Díaz"}})
            # An API token, so the tokens page has one to list (with its revoke form).
            d.get(srv.base + "/admin/tokens")
            submit(d, {"label": "keyboard test"}, form="form[action='/admin/tokens']")
            WebDriverWait(d, WAIT).until(lambda d: "keyboard test" in d.find_element(By.TAG_NAME, "main").text)
            # A decision, so the records page has one to show.
            srv.record_id = post_json(
                srv, "/v1/properties/demo/consents", {"action": "reject_all", "policyVersion": 1})["id"]
            yield srv, d
        finally:
            d.quit()
            shutil.rmtree(tmp / "profile", ignore_errors=True)


def signed_in(srv, d):
    """The owner's overview, signing in again when the session is gone."""
    d.get(srv.base + "/admin/?lang=en")
    if d.current_url.split("?")[0].endswith("/admin/sign-in"):
        submit(d, {"email": OWNER, "password": PASSWORD})
        wait_path(d, "/admin/")
    assert OWNER in d.find_element(By.CSS_SELECTOR, ".who").text


def nav_pages(srv, d):
    """The pages the owner's navigation links to (the owner may use every one of them)."""
    signed_in(srv, d)
    links = d.find_elements(By.CSS_SELECTOR, "header.bar nav:not(.languages) a[href]")
    pages = [a.get_dom_attribute("href") for a in links]
    assert "/admin/" in pages and "/admin/people" in pages and "/admin/audit" in pages, pages
    assert len(pages) == len(set(pages)), pages
    return pages


_crawled = {}


def console_pages(srv, d, limit=30):
    """The navigation's pages, then the console pages their main content links to (a property, its editor,
    history and preview, a request, …), breadth first: each path once (its first link's query kept), HTML
    pages only (no CSV or export downloads)."""
    if srv.base in _crawled:
        return _crawled[srv.base]
    pages = nav_pages(srv, d)
    seen = {p.split("?")[0] for p in pages}
    queue = list(pages)
    while queue and len(pages) < limit:
        d.get(srv.base + queue.pop(0))
        hrefs = d.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('main a[href]'), a => a.getAttribute('href'))")
        for href in hrefs:
            path = href.split("#")[0].split("?")[0]
            if not path.startswith("/admin/") or path in seen or len(pages) >= limit:
                continue
            seen.add(path)
            # Asked outside the browser with the browser's session (the console's CSP allows no fetch).
            cookie = "; ".join(f"{c['name']}={c['value']}" for c in d.get_cookies())
            req = urllib.request.Request(srv.base + href.split("#")[0], headers={"Cookie": cookie})
            try:
                with urllib.request.urlopen(req, timeout=WAIT) as r:
                    kind = r.headers.get("Content-Type", "")
            except urllib.error.HTTPError:
                kind = ""
            if kind.startswith("text/html"):
                pages.append(href.split("#")[0])
                queue.append(href.split("#")[0])
    # A page a form leads to rather than a link: a record looked up.
    pages.append(f"/admin/records?record={srv.record_id}")
    _crawled[srv.base] = pages
    return pages


def documents(d):
    """The top-level document responses since the last call: [(url, status, headers with lower-case names)]."""
    found = []
    for entry in d.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") != "Network.responseReceived" or msg["params"].get("type") != "Document":
            continue
        r = msg["params"]["response"]
        found.append((r["url"], r["status"], {k.lower(): v for k, v in r["headers"].items()}))
    return found


def last_document(d, path):
    docs = [x for x in documents(d) if x[0].split("?")[0].endswith(path)]
    assert docs, f"no response for {path} in the performance log"
    return docs[-1]


def wait_title(d, text):
    WebDriverWait(d, WAIT, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(
        lambda d: d.find_element(By.TAG_NAME, "h1").text == text, message=f"the page titled {text!r}")


def people_emails(srv, d):
    d.get(srv.base + "/admin/people?lang=en")
    return d.find_element(By.CSS_SELECTOR, "main table tbody").text


# --- 2. CSRF ------------------------------------------------------------------------------------------------


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(console):
    srv, d = console
    signed_in(srv, d)
    d.get(srv.base + "/admin/people?lang=en")
    form = d.find_element(By.CSS_SELECTOR, "form[action='/admin/people']")
    for name, value in {"email": "nocsrf@example.org", "name": "No Token", "password": PASSWORD}.items():
        form.find_element(By.NAME, name).send_keys(value)
    d.execute_script("arguments[0].querySelector('input[name=csrf]').remove()", form)
    assert not form.find_elements(By.NAME, "csrf")
    documents(d)  # forget the responses so far
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_title(d, "Form expired")
    _, status, _ = last_document(d, "/admin/people")
    assert status == 403
    assert "did not come from this site" in d.find_element(By.TAG_NAME, "main").text
    # Nothing was made, and the session is still good.
    assert "nocsrf@example.org" not in people_emails(srv, d)

    # The same form with its token goes through: the refusal above was the token's doing.
    submit(d, {"email": "withcsrf@example.org", "name": "With Token", "password": PASSWORD},
           form="form[action='/admin/people']")
    WebDriverWait(d, WAIT).until(lambda d: "done=created" in d.current_url)
    assert "withcsrf@example.org" in people_emails(srv, d)


class _Attacker(BaseHTTPRequestHandler):
    page = b""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args):
        pass


def test_a_form_posted_from_another_origin_is_refused(console):
    srv, d = console
    signed_in(srv, d)
    # The worst case: the other origin is on the same site (127.0.0.1, another port), so the SameSite=Strict
    # cookies do go with the post, and it even carries this session's valid CSRF token. Only the origin
    # check is left to refuse it.
    d.get(srv.base + "/admin/people")
    token = d.find_element(By.CSS_SELECTOR, "form[action='/admin/people'] input[name=csrf]").get_dom_attribute("value")
    assert token
    _Attacker.page = f"""<!doctype html><html lang="en"><head><title>elsewhere</title></head><body>
<form method="post" action="{html.escape(srv.base)}/admin/people">
<input type="hidden" name="csrf" value="{html.escape(token)}">
<input type="hidden" name="email" value="crossorigin@example.org">
<input type="hidden" name="name" value="Cross Origin">
<input type="hidden" name="role" value="owner">
<input type="hidden" name="password" value="{html.escape(PASSWORD)}">
<button type="submit" id="go">Win a prize</button></form></body></html>""".encode()
    other = ThreadingHTTPServer(("127.0.0.1", 0), _Attacker)
    thread = threading.Thread(target=other.serve_forever, daemon=True)
    thread.start()
    try:
        d.get(f"http://127.0.0.1:{other.server_address[1]}/")
        documents(d)
        d.find_element(By.ID, "go").click()
        WebDriverWait(d, WAIT).until(lambda d: d.current_url.startswith(srv.base))
        wait_title(d, "Form expired")
        _, status, _ = last_document(d, "/admin/people")
        assert status == 403
    finally:
        other.shutdown()
        other.server_close()
        thread.join(WAIT)
    assert "crossorigin@example.org" not in people_emails(srv, d)


# --- 3. Keyboard --------------------------------------------------------------------------------------------


def tab_through(d, marked):
    """Presses Tab until every marked element has had focus (or a bound is reached); answers the focus log."""
    need = {m["i"] for m in marked if m["radio"] is None}
    groups = {}
    for m in marked:
        if m["radio"] is not None:
            groups.setdefault(m["radio"], set()).add(m["i"])
    # Every stop at most three times over (date inputs stop once per part), plus the browser's own stops.
    for _ in range(max(3, (3 * len(marked)) // 20 + 2)):
        ActionChains(d).send_keys(Keys.TAB * 20).perform()
        log = d.execute_script("return window.__focus")
        seen = {int(f["i"]) for f in log if f["i"] is not None}
        if need <= seen and all(g & seen for g in groups.values()):
            break
    missing = [m["name"] for m in marked
               if (m["i"] not in seen if m["radio"] is None else not groups[m["radio"]] & seen)]
    return log, missing


def test_every_page_works_by_keyboard_alone(console):
    # In English: the other language changes the words, not the elements or their focus style (the zoom test
    # below reads both).
    srv, d = console
    lang = "en"
    problems = []
    for page in console_pages(srv, d):
        d.get(srv.base + page + ("&" if "?" in page else "?") + f"lang={lang}")
        assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
        marked = d.execute_script(MARK)
        # The page starts with nothing focused: the first Tab lands on the skip link …
        d.execute_script("document.activeElement && document.activeElement.blur && document.activeElement.blur()")
        d.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        first = d.switch_to.active_element
        if first.get_attribute("class") != "skip":
            problems.append(f"{page} ({lang}): the first Tab stop is {first.tag_name} "
                            f"{first.get_attribute('outerHTML')[:80]!r}, not the skip link")
        else:
            # … Enter on it puts focus on the main content, and the next Tab stays inside main.
            first.send_keys(Keys.ENTER)
            WebDriverWait(d, WAIT).until(lambda d: d.execute_script("return document.activeElement.id") == "main")
            if d.find_elements(By.CSS_SELECTOR, "main [data-tab-index]"):
                ActionChains(d).send_keys(Keys.TAB).perform()
                if not d.execute_script("return !!document.activeElement.closest('main')"):
                    problems.append(f"{page} ({lang}): after the skip link, Tab leaves the main content")
        # Tab on (round past the end and back to the header): every element is reached, each with visible focus.
        log, missing = tab_through(d, marked)
        problems += [f"{page} ({lang}): not reachable by Tab: {m}" for m in missing]
        unseen = sorted({f"{f['tag']}#{f['id']} [{f['style']}]" for f in log
                         if f["i"] is not None and not f["visible"]})
        problems += [f"{page} ({lang}): focus not visible on {u}" for u in unseen]
    assert problems == []


def test_the_audit_filter_submits_by_keyboard(console):
    srv, d = console
    signed_in(srv, d)
    d.get(srv.base + "/admin/audit?lang=en")
    body = d.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)

    def tab_to(check, what):
        for _ in range(60):
            if d.execute_script(check):
                return
            ActionChains(d).send_keys(Keys.TAB).perform()
        raise AssertionError(f"Tab never reached {what}")

    tab_to("return document.activeElement.id == 'action'", "the action filter")
    # Arrow keys move through the closed select's options, as a keyboard user would choose one.
    for _ in range(40):
        if d.execute_script("return document.activeElement.value") == "account.create":
            break
        ActionChains(d).send_keys(Keys.ARROW_DOWN).perform()
    assert d.execute_script("return document.activeElement.value") == "account.create"
    tab_to("var e = document.activeElement; return e.tagName == 'BUTTON' && e.form && "
           "e.form.getAttribute('action') == '/admin/audit'", "the filter button")
    ActionChains(d).send_keys(Keys.ENTER).perform()
    WebDriverWait(d, WAIT).until(lambda d: "action=account.create" in d.current_url)
    actions = [c.text for c in d.find_elements(By.CSS_SELECTOR, "main table tbody td code")]
    assert actions and set(actions) == {"account.create"}, actions


def test_a_record_is_looked_up_by_keyboard(console):
    srv, d = console
    signed_in(srv, d)
    d.get(srv.base + "/admin/records?lang=en")
    d.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    for _ in range(60):
        if d.execute_script("return document.activeElement.id") == "record":
            break
        ActionChains(d).send_keys(Keys.TAB).perform()
    assert d.execute_script("return document.activeElement.id") == "record"
    # Typing the id and Enter in the field submits the form (implicit submission).
    ActionChains(d).send_keys(srv.record_id).send_keys(Keys.ENTER).perform()
    WebDriverWait(d, WAIT).until(lambda d: f"record={srv.record_id}" in d.current_url)
    assert srv.record_id in d.find_element(By.TAG_NAME, "main").text


# --- 4. 200% zoom -------------------------------------------------------------------------------------------


def test_no_page_scrolls_sideways_at_200_percent_zoom(console):
    srv, d = console
    pages = console_pages(srv, d)
    assert len(pages) > len(nav_pages(srv, d))
    wide = []
    d.set_window_size(640, 900)
    try:
        for lang in ("en", "es"):
            for page in pages:
                d.get(srv.base + page + ("&" if "?" in page else "?") + f"lang={lang}")
                assert d.execute_script("return window.innerWidth") <= 640
                if not no_sideways_scroll(d):
                    widest = d.execute_script(
                        "var w = window.innerWidth, out = [];"
                        "document.querySelectorAll('body *').forEach(function (e) {"
                        "  var r = e.getBoundingClientRect(); if (r.right > w + 1) out.push(e.tagName.toLowerCase()"
                        "  + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '') + ' ' + Math.round(r.right)); });"
                        "return out.slice(0, 5);")
                    wide.append(f"{page} ({lang}): scrollWidth "
                                f"{d.execute_script('return document.documentElement.scrollWidth')} > 640: {widest}")
    finally:
        d.set_window_size(1280, 900)
    assert wide == []


# --- axe-core on every page ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
def test_axe_finds_no_violation_on_any_console_page(console, lang):
    """The pages' own tests run axe on what they made; this runs it on every page the crawl finds, so a page
    (or an editor section) added later is checked too."""
    srv, d = console
    found = []
    for page in console_pages(srv, d):
        d.get(srv.base + page + ("&" if "?" in page else "?") + f"lang={lang}")
        found += [f"{page} ({lang}): {v}" for v in violations(d)]
    assert found == []


# --- 1. Sign-in limits (last: it signs the owner out) ---------------------------------------------------------


def sign_in_answer(srv, d, email, password):
    """Posts the sign-in form in the browser; answers (status, h1, the alert's text, Retry-After)."""
    d.get(srv.base + "/admin/sign-in?lang=en")
    d.execute_script("window.__before = true")
    documents(d)
    submit(d, {"email": email, "password": password})
    WebDriverWait(d, WAIT).until(lambda d: d.execute_script(
        "return !window.__before && document.readyState == 'complete'"))
    _, status, headers = last_document(d, "/admin/sign-in")
    alerts = d.find_elements(By.CSS_SELECTOR, "main [role=alert]")
    title = d.find_element(By.TAG_NAME, "h1").text
    return status, title, alerts[0].text if alerts else None, headers.get("retry-after")


def test_sign_in_is_limited_and_says_nothing_of_which_accounts_exist(console):
    srv, d = console
    signed_in(srv, d)
    for email in ("victim@example.org", "other@example.org"):
        d.get(srv.base + "/admin/people?lang=en")
        submit(d, {"email": email, "name": email.split("@")[0], "password": PASSWORD},
               form="form[action='/admin/people']")
        WebDriverWait(d, WAIT).until(lambda d: "done=created" in d.current_url)
    d.delete_all_cookies()

    wrong = "not the password at all"
    refused = (401, "Sign in", "The email address or password is wrong.", None)
    # An unknown address and a wrong password get the same page and status.
    assert sign_in_answer(srv, d, "other@example.org", wrong) == refused
    assert sign_in_answer(srv, d, "nobody@example.org", wrong) == refused

    # Five failures for one account, then it is limited: even the right password is refused, with Retry-After.
    for attempt in range(5):
        assert sign_in_answer(srv, d, "victim@example.org", wrong) == refused, attempt
    limited = sign_in_answer(srv, d, "victim@example.org", wrong)
    assert limited[:3] == (429, "Sign in", "Too many failed sign-ins. Wait 15 minutes and try again.")
    assert limited[3] is not None and 0 < int(limited[3]) <= 15 * 60
    assert sign_in_answer(srv, d, "victim@example.org", PASSWORD)[:3] == limited[:3]
    assert d.get_cookie("assent_session") is None

    # An unknown address is limited after as many failures, with the same answer as a real one.
    for attempt in range(4):
        assert sign_in_answer(srv, d, "nobody@example.org", wrong) == refused, attempt
    assert sign_in_answer(srv, d, "nobody@example.org", wrong) == limited

    # The limit is per account: the owner, from the same client, still signs in.
    signed_in(srv, d)
