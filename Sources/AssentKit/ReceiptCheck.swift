import AssentCore
import Crypto
import Foundation

/// The outcome of checking a receipt on the device, and what the receipt says was recorded, for showing the
/// reader.
public struct ReceiptCheck: Sendable, Equatable {
    /// Both checks passed.
    public var valid: Bool
    /// The tree head's Ed25519 signature verifies with a trusted key.
    public var signatureValid: Bool
    /// The entry's leaf is in the tree the head signs (RFC 9162 inclusion proof).
    public var inclusionValid: Bool
    /// Why not, when not valid.
    public var reason: String?
    public var recorded: RecordedDecision?

    /// Checks `receipt` with `keys` (key id → raw Ed25519 public key); the work of AssentCore's `Receipt.verify`.
    public init(receipt: JSONValue, keys: [String: [UInt8]]) {
        var publicKeys: [String: Curve25519.Signing.PublicKey] = [:]
        for (id, raw) in keys { publicKeys[id] = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) }
        let result = Receipt.verify(json: receipt, keys: publicKeys)
        valid = result.valid
        signatureValid = result.signatureValid
        inclusionValid = result.inclusionValid
        reason = result.reason
        recorded = receipt["entry"].flatMap(RecordedDecision.init(entry:))
    }
}

/// A ledger entry as the reader may see it: what was recorded, when, under which policy.
public struct RecordedDecision: Sendable, Equatable {
    public var id: String
    public var property: String
    public var subject: String
    public var choices: [String: Bool]
    public var action: String
    public var regime: String
    public var region: String
    public var gpc: Bool
    public var policyVersion: Int
    /// SHA-256 of the texts the reader was shown.
    public var textsHash: String
    public var language: String
    public var recordedAt: Date

    init?(entry: JSONValue) {
        guard let id = entry["id"]?.stringValue, let property = entry["property"]?.stringValue,
            let subject = entry["subject"]?.stringValue, let milliseconds = entry["recordedAt"]?.int64Value
        else { return nil }
        self.id = id
        self.property = property
        self.subject = subject
        var choices: [String: Bool] = [:]
        for (key, value) in entry["choices"]?.objectValue ?? [] { choices[key] = value.boolValue ?? false }
        self.choices = choices
        action = entry["action"]?.stringValue ?? ""
        regime = entry["regime"]?.stringValue ?? ""
        region = entry["region"]?.stringValue ?? ""
        gpc = entry["gpc"]?.boolValue ?? false
        policyVersion = entry["policyVersion"]?.intValue ?? 0
        textsHash = entry["textsHash"]?.stringValue ?? ""
        language = entry["lang"]?.stringValue ?? ""
        recordedAt = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
