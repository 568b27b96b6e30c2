/// One section of a GPP string, decoded when Assent knows its format and kept verbatim otherwise.
public enum GPPSection: Sendable, Equatable {
    /// ID 2: the body is a TC string.
    case tcfEuV2(TCString)
    /// ID 6: the body is the plain US Privacy string.
    case uspV1(USPrivacyString)
    case usNat(USNationalSection)
    case usCa(USCaliforniaSection)
    case usVa(USVirginiaSection)
    case usCo(USColoradoSection)
    case usUt(USUtahSection)
    case usCt(USConnecticutSection)
    /// A section whose format Assent does not decode (tcfcav1, newer states, …): its ID and raw body.
    case other(id: Int, body: String)

    /// The section ID of the GPP header.
    public var id: Int {
        switch self {
        case .tcfEuV2: 2
        case .uspV1: 6
        case .usNat: USNationalSection.id
        case .usCa: USCaliforniaSection.id
        case .usVa: USVirginiaSection.id
        case .usCo: USColoradoSection.id
        case .usUt: USUtahSection.id
        case .usCt: USConnecticutSection.id
        case .other(let id, _): id
        }
    }

    /// The API prefix (`__gpp('getSection', …, 'usnat')`) for the sections Assent knows.
    public static let prefixes: [Int: String] = [
        1: "tcfeuv1", 2: "tcfeuv2", 5: "tcfcav1", 6: "uspv1", 7: "usnat", 8: "usca", 9: "usva", 10: "usco",
        11: "usut", 12: "usct", 13: "usfl", 14: "usmt", 15: "usor", 16: "ustx", 17: "usde", 18: "usia", 19: "usne",
        20: "usnh", 21: "usnj", 22: "ustn", 23: "usmn", 24: "usmd", 25: "usin", 26: "usky", 27: "usri",
    ]

    /// Decodes the body of section `id`; unknown IDs are kept verbatim. Errors name the section prefix.
    public static func decode(id: Int, body: some StringProtocol) throws(SignalDecodingError) -> GPPSection {
        try UTF8Input.with(body) { input throws(SignalDecodingError) in try decode(id: id, input, 0..<input.count) }
    }

    /// Decodes the section body in the UTF-8 bytes `input[range]`.
    static func decode(id: Int, _ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(SignalDecodingError)
        -> GPPSection
    {
        switch id {
        case 2:
            do { return .tcfEuV2(try TCString.decode(input, range)) } catch { throw error.prefixed("tcfeuv2") }
        case 6:
            do { return .uspV1(try USPrivacyString.decode(input, range)) } catch { throw error.prefixed("uspv1") }
        case USNationalSection.id: return .usNat(try USNationalSection.decode(input, range))
        case USCaliforniaSection.id: return .usCa(try USCaliforniaSection.decodeState(input, range))
        case USVirginiaSection.id: return .usVa(try USVirginiaSection.decodeState(input, range))
        case USColoradoSection.id: return .usCo(try USColoradoSection.decodeState(input, range))
        case USUtahSection.id: return .usUt(try USUtahSection.decodeState(input, range))
        case USConnecticutSection.id: return .usCt(try USConnecticutSection.decodeState(input, range))
        default:
            return .other(id: id, body: String(decoding: UnsafeBufferPointer(rebasing: input[range]), as: UTF8.self))
        }
    }

    /// The section body as it appears after `~`. tcfeuv2 uses the GPP libraries' vendor-encoding tie-break.
    public func encode() throws(SignalEncodingError) -> String {
        switch self {
        case .tcfEuV2(let tc): try tc.encode(gppVendorEncoding: true)
        case .uspV1(let usp): try usp.encode()
        case .usNat(let section): try section.encode()
        case .usCa(let section): try section.encode()
        case .usVa(let section): try section.encode()
        case .usCo(let section): try section.encode()
        case .usUt(let section): try section.encode()
        case .usCt(let section): try section.encode()
        case .other(let id, let body):
            try Self.verbatim(id: id, body: body)
        }
    }

    private static func verbatim(id: Int, body: String) throws(SignalEncodingError) -> String {
        guard !body.isEmpty, !body.contains("~") else {
            throw SignalEncodingError(field: "section \(id)", "body must be non-empty and free of '~'")
        }
        return body
    }
}
