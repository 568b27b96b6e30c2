// libFuzzer target for the TC string decoder; built by scripts/fuzz, not by the package.
//
// Any input may be rejected with a SignalDecodingError. What decodes must render as JSON and, when it encodes
// (a decoded value may legitimately not fit, e.g. merged restrictions beyond 4095 ranges), encode to a string
// that decodes to the same value and re-encodes to itself, with either vendor-encoding rule.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTCString(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let tc = try? TCString.decode(text) else { return 0 }
    _ = tc.jsonValue
    for gppRule in [false, true] {
        guard let encoded = try? tc.encode(gppVendorEncoding: gppRule) else { continue }
        guard let again = try? TCString.decode(encoded), again == tc else {
            fatalError("TC string \(text) re-encoded as \(encoded) does not decode to the same value")
        }
        guard (try? again.encode(gppVendorEncoding: gppRule)) == encoded else {
            fatalError("TC string \(encoded) does not re-encode to itself")
        }
    }
    return 0
}
