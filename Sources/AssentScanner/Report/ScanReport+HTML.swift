import AssentCore
import Foundation

/// The report as one HTML page a privacy officer can read, print and keep: the verdict, the violations with
/// their evidence, the cookie list and how it differs from the property's, the lint findings, and what every
/// region's visits saw. Self-contained: inline CSS, no script, no image, nothing fetched; every text from the
/// scan or the property is escaped, and URLs are shown as text, not links.
extension ScanReport {
    public func html() -> String {
        var h = HTMLWriter()
        let verdict =
            violations.isEmpty
            ? "No violation found" : "\(violations.count) violation\(violations.count == 1 ? "" : "s") found"
        h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        h.raw("<title>")
        h.text("Assent scan report: \(propertyName) (\(propertyID))")
        h.raw("</title>\n<style>\n\(Self.css)</style>\n</head>\n<body>\n")

        h.raw("<header><h1>")
        h.text("Consent compliance scan: \(propertyName)")
        h.raw("</h1>\n<p class=\"meta\">")
        h.text(
            "Property \(propertyID), policy version \(policyVersion) · scanned \(Self.date(startedAt)) to \(Self.date(finishedAt)) · \(browser.isEmpty ? "Chromium" : browser)"
        )
        h.raw("</p>\n<p class=\"verdict \(violations.isEmpty ? "ok" : "bad")\">")
        h.text(verdict)
        h.raw("</p>\n</header>\n")

        // Summary.
        h.raw("<section><h2>Summary</h2>\n<table class=\"kv\">\n")
        let regionList = zip(regions, regimes).map { "\($0) (\($1))" }.joined(separator: ", ")
        for (k, v) in [
            ("Start URLs", startURLs.joined(separator: " ")), ("Regions", regionList),
            ("Pages scanned", "\(pages.count)"),
            ("Visits", "\(visits.count) (\(failedVisits) failed)"), ("Violations", "\(violations.count)"),
            ("Lint findings", "\(errors) error(s), \(warnings) warning(s)"),
            (
                "Cookie list",
                "\(proposal.entries.count) seen; \(proposal.new.count) not in the property's list, \(proposal.noLongerSeen.count) listed but not seen, \(proposal.categorisedDifferently.count) categorised differently"
            ),
            (
                "Classified by",
                "the property's cookie list, the Open Cookie Database\(trackerList == nil ? "" : ", EasyPrivacy")"
            ),
        ] {
            h.raw("<tr><th>")
            h.text(k)
            h.raw("</th><td>")
            h.text(v)
            h.raw("</td></tr>\n")
        }
        h.raw("</table>\n</section>\n")

        // Violations first.
        h.raw("<section><h2>Violations</h2>\n")
        if violations.isEmpty {
            h.paragraph("Nothing was set or sent that the visitor's choice did not allow.")
        } else {
            h.table(
                ["Rule", "What", "Category", "Page", "Region", "Visit", "Frame", "Initiator", "After", "Why"],
                violations.map { v in
                    [
                        v.rule.rawValue,
                        "\(v.kind.rawValue): \(v.name)\(v.count > 1 ? " (×\(v.count))" : "")\n\(v.location)",
                        "\(v.category ?? "unclassified") (\(v.source.rawValue))", v.page, v.region, v.visit.rawValue,
                        v.frameURL ?? "", Self.describe(v.initiator), "\(v.atMs) ms", v.reason,
                    ]
                }, rowClass: "bad")
        }
        if let difference {
            h.raw("<h3>Since the scan before</h3>\n")
            h.paragraph(
                "\(difference.violationsAdded.count) new violation(s), \(difference.violationsResolved.count) resolved; \(difference.entriesAdded.count) cookie(s) or key(s) newly seen, \(difference.entriesGone.count) no longer seen."
            )
            if !difference.violationsResolved.isEmpty {
                h.table(
                    ["Resolved", "Page", "Region", "Visit"],
                    difference.violationsResolved.map {
                        ["\($0.kind.rawValue): \($0.name)", $0.page, $0.region, $0.visit.rawValue]
                    })
            }
        }
        h.raw("</section>\n")

        // The cookie list and its difference.
        h.raw("<section><h2>Cookie list</h2>\n")
        h.table(
            ["Name", "Kind", "Domain", "Party", "Category", "Source", "Retention", "Description", "Pages"],
            proposal.entries.map { e in
                [
                    e.prefix ? "\(e.name)*" : e.name, e.kind.rawValue, e.domain, e.party.rawValue,
                    e.category ?? "unclassified", e.source.rawValue, e.retention, e.description ?? "",
                    "\(e.pages.count)",
                ]
            })
        h.raw("<h3>Difference from the property's list</h3>\n")
        if proposal.new.isEmpty && proposal.noLongerSeen.isEmpty && proposal.categorisedDifferently.isEmpty {
            h.paragraph("The property's list matches what the scan saw.")
        }
        if !proposal.new.isEmpty {
            h.table(
                ["New: seen, not listed", "Domain", "Proposed category", "Source"],
                proposal.new.map {
                    [$0.prefix ? "\($0.name)*" : $0.name, $0.domain, $0.category ?? "unclassified", $0.source.rawValue]
                })
        }
        if !proposal.noLongerSeen.isEmpty {
            h.table(
                ["Listed, no longer seen", "Category", "Host"],
                proposal.noLongerSeen.map { [$0.prefix ? "\($0.name)*" : $0.name, $0.category, $0.host ?? ""] })
        }
        if !proposal.categorisedDifferently.isEmpty {
            h.table(
                ["Categorised differently", "In the property", "In the Open Cookie Database", "Platform"],
                proposal.categorisedDifferently.map {
                    [$0.prefix ? "\($0.name)*" : $0.name, $0.configured, $0.database, $0.platform ?? ""]
                })
        }
        h.raw("</section>\n")

        // Lint.
        h.raw("<section><h2>Configuration lint</h2>\n")
        if lint.isEmpty {
            h.paragraph("No finding.")
        } else {
            h.table(
                ["Severity", "Rule", "Where", "Finding", "Source"],
                lint.map { [$0.severity.rawValue, $0.code, $0.path, $0.message, $0.source] })
        }
        h.raw("</section>\n")

        // Per region.
        h.raw("<section><h2>Visits by region</h2>\n")
        for (region, regime) in zip(regions, regimes) {
            h.raw("<h3>")
            h.text("\(region) (\(regime))")
            h.raw("</h3>\n")
            let rows: [[String]] = VisitKind.allCases.map { kind in
                let vs = visits.filter { $0.region == region && $0.kind == kind }
                return [
                    kind.rawValue, "\(vs.count)", "\(vs.filter { $0.failure != nil }.count)",
                    "\(vs.filter(\.bannerShown).count)", "\(vs.filter(\.clicked).count)",
                    "\(vs.map(\.cookies).reduce(0, +))", "\(vs.map(\.storageKeys).reduce(0, +))",
                    "\(vs.map(\.requests).reduce(0, +))", "\(vs.map(\.thirdPartyRequests).reduce(0, +))",
                    "\(vs.map(\.violations).reduce(0, +))",
                ]
            }
            h.table(
                [
                    "Visit", "Pages", "Failed", "Banner shown", "Clicked", "Cookies", "Storage keys", "Requests",
                    "Third-party requests", "Violations",
                ], rows)
        }
        let failed = visits.filter { $0.failure != nil }
        if !failed.isEmpty {
            h.raw("<h3>Failed visits</h3>\n")
            h.table(
                ["Page", "Region", "Visit", "Why"],
                failed.map { [$0.page, $0.region, $0.kind.rawValue, $0.failure ?? ""] })
        }
        h.raw("<h3>Pages</h3>\n<ol class=\"pages\">\n")
        for page in pages {
            h.raw("<li>")
            h.text(page)
            h.raw("</li>\n")
        }
        h.raw("</ol>\n</section>\n")

        h.raw("<footer>\n")
        h.paragraph(
            "Made by the Assent scanner (report version \(Self.version)). Cookie descriptions and categories come from the property's own list and from the Open Cookie Database by Jeroen Kwakman and contributors (Apache License 2.0)."
                + (trackerList == nil
                    ? "" : " Tracker hosts from EasyPrivacy (easylist.to), as installed on the scanning machine.")
        )
        h.raw("</footer>\n</body>\n</html>\n")
        return h.out
    }

    static func describe(_ i: Initiator?) -> String {
        guard let i else { return "" }
        var s = i.kind.rawValue
        if let url = i.url { s += " " + url }
        if let line = i.line { s += ":\(line)" }
        return s
    }

    static func date(_ seconds: Double) -> String {
        guard seconds > 0 else { return "—" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    static let css = """
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1b1b;margin:2rem auto;max-width:78rem;padding:0 1rem}
        h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.25rem;border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
        h3{font-size:1.05rem;margin:1.2rem 0 .4rem}.meta{color:#555;margin:0}
        .verdict{display:inline-block;font-weight:700;padding:.3rem .8rem;border-radius:4px;margin:.8rem 0}
        .verdict.ok{background:#e3f4e6;color:#0f5a1e}.verdict.bad{background:#fde5e3;color:#8a1408}
        table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;font-size:13px}
        th,td{border:1px solid #ccc;padding:.25rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere;white-space:pre-line}
        th{background:#f2f2f2;overflow-wrap:normal;white-space:nowrap}tr.bad td:first-child{border-left:4px solid #c0392b}
        table.kv{width:auto}table.kv th{width:12rem}.pages{font-size:13px;overflow-wrap:anywhere}
        footer{margin-top:2.5rem;color:#555;font-size:12px}
        @media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}

        """
}

/// Builds HTML with every text escaped; markup goes through `raw` and only ever comes from this file.
struct HTMLWriter {
    var out = ""

    mutating func raw(_ markup: String) { out += markup }

    mutating func text(_ s: String) { out += Self.escape(s) }

    mutating func paragraph(_ s: String) {
        raw("<p>")
        text(s)
        raw("</p>\n")
    }

    mutating func table(_ header: [String], _ rows: [[String]], rowClass: String? = nil) {
        raw("<table>\n<thead><tr>")
        for h in header {
            raw("<th scope=\"col\">")
            text(h)
            raw("</th>")
        }
        raw("</tr></thead>\n<tbody>\n")
        for row in rows {
            raw(rowClass.map { "<tr class=\"\($0)\">" } ?? "<tr>")
            for cell in row {
                raw("<td>")
                text(cell)
                raw("</td>")
            }
            raw("</tr>\n")
        }
        raw("</tbody>\n</table>\n")
    }

    /// Escapes the five characters that matter in text and in quoted attributes.
    static func escape(_ s: String) -> String {
        var r = ""
        r.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": r += "&amp;"
            case "<": r += "&lt;"
            case ">": r += "&gt;"
            case "\"": r += "&quot;"
            case "'": r += "&#39;"
            default: r.unicodeScalars.append(c)
            }
        }
        return r
    }
}
