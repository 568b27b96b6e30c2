// libFuzzer target for the US Privacy string decoder; built by scripts/fuzz.
//
// What decodes must encode back to exactly the input: the format has one spelling per value.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUSPrivacy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let usp = try? USPrivacyString.decode(text) else { return 0 }
    _ = usp.jsonValue
    guard (try? usp.encode()) == text else { fatalError("US Privacy string \(text) does not re-encode to itself") }
    return 0
}
