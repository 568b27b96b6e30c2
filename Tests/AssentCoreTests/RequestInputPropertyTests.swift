import AssentCore
import PropertyBased
import Testing

/// Generators of what a client can put in a header, a token or a body: hostile by default.
enum HostileGen {
    /// Any byte as a Latin-1 character: controls, DEL, NUL and the upper half included.
    static let anyText = Gen.latin1.string(of: 0...80)

    /// Characters that mean something to the parsers under test, so that the odd combinations come up often.
    static func grammar(_ alphabet: String, length: ClosedRange<Int> = 0...40) -> Generator<
        String, some SendableSequenceType
    > {
        Gen<Character?>.element(of: Array(alphabet)).map { $0 ?? " " }.string(of: length)
    }

    /// Mostly grammar, sometimes anything.
    static func text(_ alphabet: String, length: ClosedRange<Int> = 0...40) -> Generator<
        String, some SendableSequenceType
    > {
        Gen.oneOf(grammar(alphabet, length: length), anyText)
    }

    static var languageTag: Generator<String, some SendableSequenceType> {
        Gen.oneOf(
            Gen<String?>.element(of: ["en", "es", "es-MX", "pt-BR", "fr", "de-CH", "zh-Hant-TW", "*", "EN-gb", "en_US"])
                .map { $0 ?? "en" },
            Gen.letterOrNumber.string(of: 1...10))
    }
}

@Suite struct AcceptLanguageTests {
    static let supported = ["en", "es", "pt-BR"]

    /// The headers that stopped the server (issue 13) and their like are read as naming nothing.
    @Test(arguments: [";", "-", ",;", ",", ";;", "--", "-;q=1", ";q=0.5", " ", "", "\u{0}", "é", "en-", "e\u{301}s"])
    func headersThatOnceTrappedChooseNothing(_ header: String) {
        #expect(AcceptLanguage.best(header, among: Self.supported) == nil)
    }

    /// Empty parameters are no parameters.
    @Test(arguments: ["*;", "en;;", "en;", " en ; ", "en;q", "en;x=1"])
    func emptyOrUnknownParametersAreIgnored(_ header: String) {
        #expect(AcceptLanguage.best(header, among: Self.supported) == "en")
    }

    @Test func weightsChooseTheBestSupportedLanguage() {
        let best = { (header: String) in AcceptLanguage.best(header, among: Self.supported) }
        #expect(best("fr;q=1, es;q=0.9, en;q=0.8") == "es")
        #expect(best("en;q=0.2, es-MX;q=0.7") == "es")
        #expect(best("es-mx") == "es")
        #expect(best("pt") == "pt-BR")
        #expect(best("PT_br;q=0.5, en;q=0.4") == "pt-BR")
        #expect(best("de, *;q=0.1") == "en")
        #expect(best("es;q=0, *") == "en")
        #expect(best("en;q=0, es;q=0") == nil)
        #expect(best("en;q=0, *") == "es")
        #expect(best("en;q=0.5, es;q=0.5") == "en")
        #expect(best("en;q=2, es") == "es", "a malformed weight leaves its range out")
        #expect(best("en;q=1.5, es;q=0.1") == "es")
        #expect(best("en;Q=0.001, es;charset=x") == "es")
        #expect(best("de") == nil)
    }

    @Test func rangesReadWeightsInThousandths() {
        #expect(
            AcceptLanguage.ranges(" es-MX ; q=0.75 ,en;q=1.000,\t*;q=0 , bad range, x;q=0.1234")
                == [
                    .init(tag: "es-mx", weight: 750), .init(tag: "en", weight: 1000), .init(tag: "*", weight: 0),
                ])
    }

    /// Anything at all: no trap, and the choice is always one of the supported languages.
    @Test func anyHeaderChoosesASupportedLanguageOrNothing() async {
        await propertyCheck(
            count: 2000, input: HostileGen.text("enspt-BR*;q=0.1,_ \t", length: 0...60),
            Gen<String?>.element(of: ["en", "es", "pt-BR", "de-CH"]).map { $0 ?? "en" }.array(of: 0...4)
        ) { header, supported in
            let ranges = AcceptLanguage.ranges(header)
            #expect(ranges.allSatisfy { (0...1000).contains($0.weight) && !$0.tag.isEmpty })
            if let chosen = AcceptLanguage.best(header, among: supported) {
                #expect(supported.contains(chosen))
            }
        }
    }

    /// A header written from ranges reads back as those ranges, and the choice is the supported language of the
    /// heaviest range that names one.
    @Test func writtenRangesReadBack() async {
        let range = zip(HostileGen.languageTag, Gen.int(in: 0...1000))
        await propertyCheck(count: 1000, input: range.array(of: 0...8)) { pairs in
            let header = pairs.map { tag, weight in
                weight == 1000 ? tag : "\(tag);q=0." + String(String(weight + 1000).dropFirst())
            }.joined(separator: ", ")
            let expected = pairs.map { tag, weight in
                AcceptLanguage.Range(tag: String(tag.lowercased().map { $0 == "_" ? "-" : $0 }), weight: weight)
            }
            .filter { range in
                let subtags = range.tag.split(separator: "-")
                return range.tag == "*"
                    || (subtags.allSatisfy { $0.count <= 8 } && subtags.first?.allSatisfy(\.isLetter) == true)
            }
            #expect(AcceptLanguage.ranges(header) == expected)
            let chosen = AcceptLanguage.best(header, among: Self.supported)
            if let chosen {
                let weight = AcceptLanguage.ranges(header).filter { range in
                    range.tag == "*" || chosen.lowercased().hasPrefix(range.tag.prefix(2))
                }.map(\.weight).max()
                #expect((weight ?? 0) > 0)
            }
        }
    }

    @Test func veryLongHeadersAreReadQuickly() {
        let header = String(repeating: "a-", count: 40_000) + "b, " + String(repeating: "es;q=0.5,", count: 8_000)
        let clock = ContinuousClock()
        var chosen: String?
        let elapsed = clock.measure { chosen = AcceptLanguage.best(header, among: Self.supported) }
        #expect(chosen == "es")
        #expect(elapsed < .seconds(2))
    }
}

@Suite struct RequestInputPropertyTests {
    /// Identity tokens: anything is refused with a `Failure`, never a trap; a token signed with the property's
    /// secret reads back as its claims.
    @Test func identityTokensNeverTrapAndRoundTrip() async {
        let secret: [UInt8] = Array("a secret of the publisher's, 32+ bytes".utf8)
        let settings = IdentitySettings(issuer: "https://example.com", key: .hmacSHA256(secret: secret))
        await propertyCheck(count: 1500, input: HostileGen.text("AZaz09-_.=+/~", length: 0...120)) { token in
            #expect(throws: IdentityToken.Failure.self) { try IdentityToken.verify(token, settings: settings, now: 0) }
        }
        let claims = zip(
            HostileGen.text("https://example.com"), Gen.latin1.string(of: 1...256), Gen<Int64>.value(in: 1...Int64.max))
        await propertyCheck(count: 500, input: claims) { issuer, subject, expiresAt in
            let token = IdentityToken.sign(
                IdentityToken(issuer: issuer, subject: subject, expiresAt: expiresAt), hmacSecret: secret)
            let mine = IdentitySettings(issuer: issuer, key: .hmacSHA256(secret: secret))
            do {
                let read = try IdentityToken.verify(token, settings: mine, now: 0)
                #expect(read == IdentityToken(issuer: issuer, subject: subject, expiresAt: expiresAt))
            } catch {
                Issue.record("a token signed with the property's secret is refused: \(error)")
            }
            // An expired token describes its expiry, whatever the time.
            if expiresAt <= Int64.max / 1000 {
                do {
                    _ = try IdentityToken.verify(token, settings: mine, now: Int64.max)
                    Issue.record("a token that expired at \(expiresAt) is accepted")
                } catch let failure as IdentityToken.Failure {
                    #expect(failure == .expired(at: expiresAt))
                    #expect(!failure.description.isEmpty)
                } catch {
                    Issue.record("unexpected error \(error)")
                }
            }
        }
    }

    /// The consent body: arbitrary bytes and arbitrary JSON of the right member names are refused with an error
    /// or parsed; a parsed subject is always a normalized one.
    @Test func consentBodiesNeverTrap() async {
        await propertyCheck(count: 1500, input: HostileGen.text("{}[]\":,0123456789.eE-+truefalsnl\\u ")) { text in
            guard let json = try? JSONParser.parse(Array(text.utf8)) else { return }
            _ = try? ConsentSubmission.parse(json)
        }
        await propertyCheck(count: 1500, input: ConsentGen.body) { json in
            if let parsed = try? ConsentSubmission.parse(json), let subject = parsed.subject {
                #expect(normalizedSubject(subject) == subject)
            }
        }
    }

    /// Region headers: anything is a region or nil, and a region's code is the input uppercased.
    @Test func regionHeadersNeverTrap() async {
        await propertyCheck(count: 2000, input: HostileGen.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0129- \t")) { text in
            if let region = Region(text) {
                #expect(region.code == text.uppercased())
                #expect(region.code.count == 2 || region.code.dropFirst(2).first == "-")
            }
            let fallback = Region("US-CA")!
            _ = resolveRegion(header: text, default: fallback)
        }
    }

    /// Addresses and subjects, as request bodies carry them.
    @Test func addressesAndSubjectsNeverTrap() async {
        await propertyCheck(count: 2000, input: HostileGen.text("ab@.-_+ \u{0}\u{7F}AZ09")) { text in
            if let address = EmailAddress(text) {
                #expect(EmailAddress(address.normalized) == address)
            }
            if let subject = normalizedSubject(text) { #expect(normalizedSubject(subject) == subject) }
        }
    }

    /// Signal strings as `POST /v1/signals/decode` reads them: mutations of real strings and arbitrary text
    /// decode or throw, never trap.
    @Test func signalStringsNeverTrap() async {
        let real = [
            "CQIWMAAQIWMAAAHABBENBVFsAP_gAEPgAAqIKkNV_G__bXlr8X736ftkeY1f9_h77sQxBhfJs-4FzLvW_JwX32EzNA36tqYKmRIAu3bBIQNlHJDUTVCgaogVryDMakWcgTNKJ6BkiFMRO2dYCF5vmwtj-QKY5vr993dx2D-t_dv83dzyz4VHn3a5_2e0WJCdA58tDfv9bROb-9IPd_58v4v8_F_rE2_eT1l_tevp7D9-ct87_XW-9_fff79Ll9-gg",
            "DBABMA~CQIWMAAQIWMAAAHABBENBVFsAP_gAEPgAAqIKkNV_G__bXlr8X736ftkeY1f9_h77sQxBhfJs-4FzLvW_JwX32EzNA36tqYKmRIAu3bBIQNlHJDUTVCgaogVryDMakWcgTNKJ6BkiFMRO2dYCF5vmwtj-QKY5vr993dx2D-t_dv83dzyz4VHn3a5_2e0WJCdA58tDfv9bROb-9IPd_58v4v8_F_rE2_eT1l_tevp7D9-ct87_XW-9_fff79Ll9-gg",
            "DBABzw~1YNN~BVQqAAAAAgA", "1YNN", "1---",
        ]
        let mutated = zip(
            Gen<String?>.element(of: real).map { $0 ?? "" }, Gen.int(in: 0...400),
            HostileGen.grammar("AQg_-.~D1YN", length: 0...4)
        )
        .map { base, at, insert in
            let chars = Array(base)
            let cut = min(at, chars.count)
            return String(chars[..<cut]) + insert + String(chars[min(cut + insert.count, chars.count)...])
        }
        await propertyCheck(count: 1500, input: mutated) { text in
            _ = try? SignalDetector.decode(text)
        }
        await propertyCheck(count: 1500, input: HostileGen.text("ABCDQgw_-.~1YN=")) { text in
            _ = try? SignalDetector.decode(text)
        }
    }
}

extension RequestInputPropertyTests {
    /// Receipts as `POST /v1/receipts/verify` reads them: any shape, any numbers, hashes of any length are
    /// refused as malformed or checked, never a trap.
    @Test func receiptsOfAnyShapeNeverTrap() async {
        let hex = Gen<Character?>.element(of: Array("0123456789abcdefX")).map { $0 ?? "0" }.string(of: 0...70)
        let number = Gen.oneOf(
            Gen<Int64>.value(in: Int64.min...Int64.max).map { JSONValue.int64($0) },
            Gen.int(in: -2...70).map { JSONValue.int($0) }, HostileGen.anyText.map { JSONValue.string($0) })
        let signatures = HostileGen.grammar("AQgwz09-_=", length: 0...90)
        let head = zip(number, hex, signatures, hex, number).map { size, root, signature, key, time in
            JSONValue.object([
                ("log", .int(0)), ("size", size), ("root", .string(root)), ("timestamp", time),
                ("signature", .string(signature)), ("keyId", .string(key)),
            ])
        }
        let receipt = zip(ConsentGen.body, number, hex.array(of: 0...70), head).map { entry, index, proof, head in
            JSONValue.object([
                ("entry", entry), ("leafIndex", index), ("inclusionProof", .array(proof.map(JSONValue.string))),
                ("treeHead", head),
            ])
        }
        await propertyCheck(count: 1500, input: receipt) { json in
            let result = Receipt.verify(json: json, keys: [:])
            #expect(!result.valid)
        }
    }
}

/// Consent bodies with the real member names and arbitrary values.
enum ConsentGen {
    static var scalar: Generator<JSONValue, some SendableSequenceType> {
        Gen.oneOf(
            Gen<JSONValue>.always(.null), Gen.bool.map { JSONValue.bool($0) },
            Gen<Int64>.value(in: Int64.min...Int64.max).map { JSONValue.int64($0) },
            Gen.int(in: -2...3).map { JSONValue.int($0) },
            HostileGen.text("saveacptrejl-gp0123456789abcdef").map { JSONValue.string($0) },
            Gen<String?>.element(of: [
                "accept_all", "reject_all", "save", "gpc", "8e2d6b0e-6d3f-4c9a-9a4e-0f6c2b1d7e55", "en", "US-CA",
            ]).map { JSONValue.string($0 ?? "") })
    }

    static var names: Generator<String, some SendableSequenceType> {
        Gen<String?>.element(of: [
            "subject", "choices", "action", "policyVersion", "lang", "gpc", "region", "tcf", "analytics",
            "vendorLIObjections", "purposeLIObjections", "other",
        ]).map { $0 ?? "" }
    }

    static var nested: Generator<JSONValue, some SendableSequenceType> {
        Gen.oneOf(
            scalar, zip(names, scalar).array(of: 0...4).map { JSONValue.object($0) },
            scalar.array(of: 0...5).map { JSONValue.array($0) })
    }

    static var body: Generator<JSONValue, some SendableSequenceType> {
        zip(names, nested).array(of: 0...8).map { JSONValue.object($0) }
    }
}
