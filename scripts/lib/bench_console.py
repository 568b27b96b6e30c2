#!/usr/bin/env python3
"""Measures console pages for scripts/bench-console: signs in through the real form, then asks each page N times
in a row on one keep-alive connection after a warm-up, and prints p50/p99 per page. A page that does not answer 200
(not built yet) is listed with its status and left out. Pages are a list of (name, path): add yours below."""
import argparse
import http.client
import statistics
import sys
import time
import urllib.parse


def pages(record, request, subject):
    return [
        ("overview", "/admin/"),
        ("properties", "/admin/properties"),
        ("a property", "/admin/properties/bench-00"),
        ("requests queue", "/admin/requests"),
        ("requests, filtered", "/admin/requests?property=bench-03&type=access&status=open&overdue=1"),
        ("requests, all, page 20", "/admin/requests?status=all&page=20"),
        ("a request", f"/admin/requests/{request}"),
        ("records: a record", f"/admin/records?record={record}"),
        ("records: a subject", f"/admin/records?property=bench-01&subject={subject}"),
        ("scans", "/admin/scans"),
        ("analytics, 30 days", "/admin/analytics?property=bench-00"),
        ("analytics, 366 days", "/admin/analytics?property=bench-00&from={from366}"),
        ("analytics CSV", "/admin/analytics.csv?property=bench-00&chart=rates"),
        ("people", "/admin/people"),
        ("tokens", "/admin/tokens"),
        ("audit", "/admin/audit"),
    ]


class Browser:
    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.origin = base.rstrip("/")
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        self.cookies = {}

    def request(self, method, path, body=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                if "Max-Age=0" in value:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = val
        return response.status, data


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--request", required=True)
    parser.add_argument("--subject", required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--only", action="append", help="measure only the page of this name (repeatable)")
    args = parser.parse_args()

    browser = Browser(args.base)
    browser.request("GET", "/admin/sign-in")
    form = urllib.parse.urlencode(
        {"email": args.email, "password": args.password, "csrf": browser.cookies.get("assent_console_csrf", "")})
    status, _ = browser.request("POST", "/admin/sign-in", form)
    if status != 303 or "assent_session" not in browser.cookies:
        sys.exit(f"sign-in failed: {status}")

    from366 = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 365 * 86400))
    print(f"{'page':<26} {'status':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'KB':>6}")
    worst = 0.0
    for name, path in pages(args.record, args.request, args.subject):
        if args.only and name not in args.only:
            continue
        path = path.replace("{from366}", from366)
        status, body = browser.request("GET", path)
        if status != 200:
            print(f"{name:<26} {status:>6} {'—':>8} {'—':>8} {'—':>8}  (left out: {path})")
            continue
        for _ in range(args.warmup):
            browser.request("GET", path)
        times = []
        for _ in range(args.count):
            started = time.perf_counter()
            status, body = browser.request("GET", path)
            times.append((time.perf_counter() - started) * 1000)
            if status != 200:
                sys.exit(f"{name}: status {status} during the run")
        p99 = percentile(times, 99)
        worst = max(worst, p99)
        print(
            f"{name:<26} {status:>6} {statistics.median(times):>8.2f} {p99:>8.2f} {max(times):>8.2f}"
            f" {len(body) / 1024:>6.0f}")
    print(f"worst p99: {worst:.2f} ms ({'under' if worst < 50 else 'OVER'} the 50 ms target)")


if __name__ == "__main__":
    main()
