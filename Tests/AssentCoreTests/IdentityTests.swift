import AssentCore
import Crypto
import Foundation
import Testing

private let secretBase64 = Data(Array(repeating: UInt8(0x5a), count: 32)).base64EncodedString()

/// Signed-in readers in Core: the property's identity section, the token format, the derived subject and how a
/// decision is carried to another property of the group.
@Suite("Signed-in readers")
struct IdentityTests {
    static let secret = Array(repeating: UInt8(0x5a), count: 32)
    static let hmac = IdentitySettings(issuer: "news-group", key: .hmacSHA256(secret: secret))
    static let now: Int64 = 1_795_969_185_000  // 2026-11-29, milliseconds
    static let later = now / 1000 + 3600

    /// A token built here, independently of `IdentityToken.sign`: base64url of the payload text, a dot, base64url
    /// of the signature over the first part.
    static func token(_ payload: String, sign: ([UInt8]) -> [UInt8]) -> String {
        let first = Base64URL.encode(Array(payload.utf8))
        return first + "." + Base64URL.encode(sign(Array(first.utf8)))
    }

    static func hmacToken(_ payload: String, secret: [UInt8] = secret) -> String {
        token(payload) { Array(HMAC<SHA256>.authenticationCode(for: $0, using: SymmetricKey(data: secret))) }
    }

    static func payload(iss: String = "news-group", sub: String = "reader-42", exp: Int64 = later) -> String {
        #"{"iss":"\#(iss)","sub":"\#(sub)","exp":\#(exp),"name":"ignored"}"#
    }

    // MARK: The property document

    @Test func theIdentitySectionRoundTripsThroughTheDocument() throws {
        let ed = Curve25519.Signing.PrivateKey().publicKey.rawRepresentation
        for settings in [Self.hmac, IdentitySettings(issuer: "news-group", key: .ed25519(publicKey: Array(ed)))] {
            var property = Property.standard(id: "news", name: "News", origins: ["https://news.example"])
            property.identity = settings
            let document = property.jsonValue
            #expect(document["identity"]?["issuer"]?.stringValue == "news-group")
            #expect(try Property.decode(document) == property)
        }
        let plain = Property.standard(id: "news", name: "News", origins: ["https://news.example"])
        #expect(plain.jsonValue["identity"] == nil, "a property without readers' tokens exports no identity section")
        #expect(
            Self.hmac.jsonValue["hmacSecret"]?.stringValue == Data(Self.secret).base64EncodedString(),
            "the secret is exported in standard base64, so that import takes it back")
    }

    @Test(arguments: [
        (#"{"hmacSecret":"\#(secretBase64)"}"#, "$.identity.issuer", "missing"),
        (#"{"issuer":"x"}"#, "$.identity", "hmacSecret or ed25519PublicKey"),
        (
            #"{"issuer":"x","hmacSecret":"\#(secretBase64)","ed25519PublicKey":"\#(secretBase64)"}"#,
            "$.identity.ed25519PublicKey", "not both"
        ),
        (#"{"issuer":"x","hmacSecret":"c2hvcnQ="}"#, "$.identity.hmacSecret", "at least 32 random bytes, is 5"),
        (#"{"issuer":"x","hmacSecret":"not base64!"}"#, "$.identity.hmacSecret", "not base64"),
        (#"{"issuer":"x","ed25519PublicKey":"c2hvcnQ="}"#, "$.identity.ed25519PublicKey", "32 bytes, this is 5"),
        (#"{"issuer":"","hmacSecret":"\#(secretBase64)"}"#, "$.identity.issuer", "empty"),
        (#"{"issuer":"a\u0001b","hmacSecret":"\#(secretBase64)"}"#, "$.identity.issuer", "control"),
        (#"{"issuer":"x","hmacSecret":"\#(secretBase64)","alg":"none"}"#, "$.identity.alg", "unknown"),
        (#""news""#, "$.identity", "expected an object"),
    ])
    func badIdentitySectionsAreNamedByPath(section: String, path: String, fragment: String) throws {
        let document = Property.standard(id: "news", name: "News", origins: ["https://news.example"]).jsonValue
            .setting("identity", to: try JSONParser.parse(section))
        #expect(throws: PropertyValidationError.self) { try Property.decode(document) }
        do {
            _ = try Property.decode(document)
        } catch {
            #expect(
                error.problems.contains { $0.path == path && $0.message.contains(fragment) },
                "\(error.problems)")
        }
    }

    // MARK: Tokens

    @Test func anHMACTokenVerifiesAndGivesItsClaims() throws {
        let token = try IdentityToken.verify(Self.hmacToken(Self.payload()), settings: Self.hmac, now: Self.now)
        #expect(token == IdentityToken(issuer: "news-group", subject: "reader-42", expiresAt: Self.later))
        let made = IdentityToken.sign(token, hmacSecret: Self.secret)
        #expect(try IdentityToken.verify(made, settings: Self.hmac, now: Self.now) == token)
    }

    @Test func anEd25519TokenVerifiesWithThePublicKeyAlone() throws {
        let key = Curve25519.Signing.PrivateKey()
        let settings = IdentitySettings(
            issuer: "news-group", key: .ed25519(publicKey: Array(key.publicKey.rawRepresentation)))
        let token = Self.token(Self.payload()) { Array(try! key.signature(for: $0)) }
        #expect(try IdentityToken.verify(token, settings: settings, now: Self.now).subject == "reader-42")
        let other = Curve25519.Signing.PrivateKey()
        let forged = Self.token(Self.payload()) { Array(try! other.signature(for: $0)) }
        #expect(throws: IdentityToken.Failure.badSignature) {
            try IdentityToken.verify(forged, settings: settings, now: Self.now)
        }
        #expect(throws: IdentityToken.Failure.badSignature, "an HMAC token is no Ed25519 token") {
            try IdentityToken.verify(Self.hmacToken(Self.payload()), settings: settings, now: Self.now)
        }
    }

    @Test func aChangedPayloadOrAnotherSecretBreaksTheSignature() throws {
        let good = Self.hmacToken(Self.payload())
        let signature = good.split(separator: ".")[1]
        let swapped = Base64URL.encode(Array(Self.payload(sub: "reader-43").utf8)) + "." + signature
        #expect(throws: IdentityToken.Failure.badSignature) {
            try IdentityToken.verify(swapped, settings: Self.hmac, now: Self.now)
        }
        let otherSecret = Self.hmacToken(Self.payload(), secret: Array(repeating: 1, count: 32))
        #expect(throws: IdentityToken.Failure.badSignature) {
            try IdentityToken.verify(otherSecret, settings: Self.hmac, now: Self.now)
        }
        let truncated = String(good.dropLast(4))
        #expect(throws: IdentityToken.Failure.badSignature) {
            try IdentityToken.verify(truncated, settings: Self.hmac, now: Self.now)
        }
    }

    @Test func theIssuerMustBeTheProperty() throws {
        #expect(throws: IdentityToken.Failure.wrongIssuer(expected: "news-group", found: "sports-group")) {
            try IdentityToken.verify(
                Self.hmacToken(Self.payload(iss: "sports-group")), settings: Self.hmac, now: Self.now)
        }
    }

    @Test func aTokenExpiresAtItsSecond() throws {
        let token = Self.hmacToken(Self.payload(exp: Self.later))
        #expect(throws: Never.self) {
            try IdentityToken.verify(token, settings: Self.hmac, now: Self.later * 1000 - 1)
        }
        #expect(throws: IdentityToken.Failure.expired(at: Self.later)) {
            try IdentityToken.verify(token, settings: Self.hmac, now: Self.later * 1000)
        }
        let failure = IdentityToken.Failure.expired(at: Self.later)
        #expect(failure.description.contains("2026-11-29T"), "\(failure)")
    }

    @Test(arguments: [
        ("", "empty"),
        ("abc", "two base64url parts"),
        ("a.b.c", "two base64url parts"),
        (".abc", "two base64url parts"),
        ("eyJ9=.abcd", "payload is not base64url"),
        ("eyJ9.ab+c", "signature is not base64url"),
        (String(repeating: "a", count: 4097), "longer than 4096"),
    ])
    func malformedTokensSayWhatIsWrong(token: String, fragment: String) {
        do {
            _ = try IdentityToken.verify(token, settings: Self.hmac, now: Self.now)
            Issue.record("accepted \(token)")
        } catch {
            guard case .malformed(let why) = error else {
                Issue.record("\(error) is not malformed")
                return
            }
            #expect(why.contains(fragment), "\(why)")
        }
    }

    @Test(arguments: [
        ("not json", "not JSON"),
        ("[1]", "not a JSON object"),
        (#"{"sub":"a","exp":1}"#, "iss"),
        (#"{"iss":"news-group","exp":1}"#, "sub"),
        (#"{"iss":"news-group","sub":"","exp":1}"#, "sub"),
        (#"{"iss":"news-group","sub":"a","exp":"soon"}"#, "exp"),
        (#"{"iss":"news-group","sub":"a","exp":1.5}"#, "exp"),
    ])
    func payloadsWithoutTheClaimsAreMalformedOnceSigned(payload: String, fragment: String) {
        do {
            _ = try IdentityToken.verify(Self.hmacToken(payload), settings: Self.hmac, now: Self.now)
            Issue.record("accepted \(payload)")
        } catch {
            guard case .malformed(let why) = error else {
                Issue.record("\(error) is not malformed")
                return
            }
            #expect(why.contains(fragment), "\(why)")
        }
    }

    // MARK: Subjects

    @Test func theSubjectIsAKeyedHashOfIssuerAndReader() {
        let key = Array(repeating: UInt8(9), count: 32)
        let subject = IdentitySubject.derive(secret: key, issuer: "news-group", subject: "reader-42")
        #expect(subject.hasPrefix("u-") && subject.count == 24)
        #expect(IdentitySubject.isValid(subject))
        #expect(subject == IdentitySubject.derive(secret: key, issuer: "news-group", subject: "reader-42"))
        #expect(subject != IdentitySubject.derive(secret: key, issuer: "news-group", subject: "reader-43"))
        #expect(subject != IdentitySubject.derive(secret: key, issuer: "sports-group", subject: "reader-42"))
        #expect(subject != IdentitySubject.derive(secret: Self.secret, issuer: "news-group", subject: "reader-42"))
        // The separator keeps issuer and reader apart: ("ab", "c") is not ("a", "bc").
        #expect(
            IdentitySubject.derive(secret: key, issuer: "ab", subject: "c")
                != IdentitySubject.derive(secret: key, issuer: "a", subject: "bc"))
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("news-group\u{0}reader-42".utf8), using: SymmetricKey(data: key))
        #expect(subject == "u-" + Base64URL.encode(Array(mac).prefix(16)))
    }

    @Test func subjectsAreUUIDsOrReaderSubjects() {
        #expect(normalizedSubject("7C0A3F5E-1111-4222-8333-944445555666") == "7c0a3f5e-1111-4222-8333-944445555666")
        #expect(normalizedSubject("u-AAAAAAAAAAAAAAAAAAAAAA") == "u-AAAAAAAAAAAAAAAAAAAAAA")
        for bad in ["u-short", "u-AAAAAAAAAAAAAAAAAAAAA=", "x-AAAAAAAAAAAAAAAAAAAAAA", "visitor-1", ""] {
            #expect(normalizedSubject(bad) == nil, "\(bad)")
        }
        #expect(
            throws: Never.self,
            "a decision may name a reader's subject"
        ) {
            try ConsentSubmission.parse(
                try JSONParser.parse(#"{"subject":"u-AAAAAAAAAAAAAAAAAAAAAA","action":"accept_all","policyVersion":1}"#)
            )
        }
    }

    // MARK: Carrying a decision

    @Test func aCarriedDecisionMapsByKeyThenKeepsTheReadersOwnThenTheDefault() {
        var categories = Property.standardCategories
        categories.append(
            Category(key: "podcasts", title: ["en": "Podcasts"], description: ["en": "d"], defaults: RegimeDefaults()))
        let source = ["necessary": true, "functional": true, "targeting": false, "sale": false, "elsewhere": true]
        let base = ["functional": false, "performance": true, "podcasts": false]
        let carried = CarriedDecision.choices(source: source, base: base, categories: categories, regime: .optIn)
        #expect(carried["necessary"] == true)
        #expect(carried["functional"] == true, "the later choice on the other property wins")
        #expect(carried["targeting"] == false && carried["sale"] == false)
        #expect(carried["performance"] == true, "not decided there: the reader's own choice here")
        #expect(carried["podcasts"] == false)
        #expect(carried["social"] == false, "decided nowhere: the opt-in default")
        #expect(carried["elsewhere"] == nil, "categories this property does not have are left out")
        let optOut = CarriedDecision.choices(source: [:], base: nil, categories: categories, regime: .optOut)
        #expect(optOut["social"] == true)
    }

    @Test func onlyADecisionThatAllowsNothingNewNarrows() {
        let categories = Property.standardCategories
        let earlier = ["necessary": true, "functional": true, "targeting": true, "sale": true]
        #expect(
            CarriedDecision.onlyNarrows(
                ["necessary": true, "functional": true, "targeting": false, "sale": false], from: earlier,
                categories: categories))
        #expect(
            !CarriedDecision.onlyNarrows(
                ["necessary": true, "functional": true, "performance": true], from: earlier, categories: categories))
        #expect(CarriedDecision.onlyNarrows(["necessary": true], from: [:], categories: categories))
    }
}
