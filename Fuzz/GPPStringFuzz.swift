// libFuzzer target for the GPP string decoder (header and every section Assent decodes); built by scripts/fuzz.
//
// Any input may be rejected with a SignalDecodingError. What decodes must render as JSON and, when it encodes
// (a decoded state section with a version other than 1 legitimately does not), encode to a string that decodes
// to the same value and re-encodes to itself.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGPPString(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let gpp = try? GPPString.decode(text) else { return 0 }
    _ = gpp.jsonValue
    guard let encoded = try? gpp.encode() else { return 0 }
    guard let again = try? GPPString.decode(encoded) else {
        fatalError("GPP string \(text) re-encoded as \(encoded) does not decode")
    }
    guard (try? again.encode()) == encoded else {
        fatalError("GPP string \(encoded) does not re-encode to itself")
    }
    // usnat is always written as version 2 with 16 and 3 entries; any other layout read changes on the way.
    let rewritten = gpp.sections.contains {
        if case .usNat(let s) = $0 { s.version != 2 || s.sensitiveDataProcessing.count != 16 } else { false }
    }
    guard rewritten || again == gpp else { fatalError("GPP string \(text) changed its value through \(encoded)") }
    return 0
}
