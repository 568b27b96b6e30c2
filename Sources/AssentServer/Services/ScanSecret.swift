import AssentCore
import AssentStore
import Crypto
import HTTPTypes

/// The secret a compliance scan's browser shows on its requests to this server (docs/scanning.md): issued per
/// scan, kept only as its SHA-256 with the property and an expiry. Requests that carry it are answered as a
/// visitor's would be, but nothing of them is recorded or counted.
enum ScanSecret {
    static let header = HTTPField.Name("Assent-Scan")!

    /// A new secret (32 random bytes, base64url) and the hash the store keeps.
    static func issue() -> (secret: String, hash: [UInt8]) {
        let secret = Secrets.token()
        return (secret, hash(secret))
    }

    static func hash(_ secret: String) -> [UInt8] { Array(SHA256.hash(data: Array(secret.utf8))) }
}

extension ConsentService {
    /// Accepts a scanner's secret only for the property it was issued for and before it expires; anything else is a
    /// 400 `invalid_scan_secret`, never a visitor's request recorded after all.
    func checkScanSecret(_ secret: String, propertyID: String) async throws {
        let grant = secret.utf8.count <= 128 ? try await store.scanSecret(hash: ScanSecret.hash(secret)) : nil
        guard let grant, grant.property == propertyID else {
            throw AssentError.badRequest(
                "the Assent-Scan header does not carry a scan secret issued for property \(propertyID)",
                code: "invalid_scan_secret")
        }
        guard grant.expiresAt > clock() else {
            throw AssentError.badRequest(
                "the scan secret of scan \(grant.scanID) has expired", code: "invalid_scan_secret")
        }
    }

    /// The answer to a scanner's decision: the decision as a visitor would get it, without its record id (there is
    /// no record) and with `"scan": true`.
    static func scanAnswer(_ entry: LedgerEntry, property: Property, signals: [UInt8]) -> [UInt8] {
        var out = JSONWriter(capacity: 640 + signals.count)
        out.object { w in
            w.member("scan", true)
            entry.writeAnswerMembers(property: property, id: false, to: &w)
            w.member("signals")
            w.raw(signals)
        }
        return out.bytes
    }
}
