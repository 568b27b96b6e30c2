import Foundation

/// Whether an `If-None-Match` header matches an entity tag: a list, weak tags (`W/"…"`, which compressing
/// proxies send back) and `*` included (RFC 9110 §13.1.2 uses the weak comparison).
func ifNoneMatch(_ header: String?, matches etag: String) -> Bool {
    guard let header else { return false }
    let strong = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
    for part in header.split(separator: ",") {
        var tag = part.trimmingCharacters(in: .whitespaces)
        if tag == "*" { return true }
        if tag.hasPrefix("W/") { tag.removeFirst(2) }
        if tag == strong { return true }
    }
    return false
}

/// Whether `Accept-Encoding` allows gzip: listed (or `*`) with a non-zero quality.
func acceptsGzip(_ header: String?) -> Bool {
    guard let header else { return false }
    var wildcard: Bool?
    for part in header.split(separator: ",") {
        let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let coding = pieces.first else { continue }
        var quality = 1.0
        for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
            quality = Double(parameter.dropFirst(2)) ?? 0
        }
        if coding == "gzip" || coding == "x-gzip" { return quality > 0 }
        if coding == "*" { wildcard = quality > 0 }
    }
    return wildcard ?? false
}
