import AssentCore
import AssentStore
import HTTPTypes

/// Properties as the routes find them, for the consent and the request services alike: the cache of their
/// revisions (`PropertyCache`), the lookup that answers 404 `unknown_property`, and where a visitor's region
/// comes from (the trusted header named at start, the default, the demo's parameter).
final class PropertyDirectory: Sendable {
    let cache: PropertyCache
    let configuration: ServerConfiguration
    /// The configured header names, resolved once at start.
    let headers: HeaderNames

    init(cache: PropertyCache, configuration: ServerConfiguration, headers: HeaderNames) {
        self.cache = cache
        self.configuration = configuration
        self.headers = headers
    }

    /// The property's current revision, or 404 `unknown_property`.
    func property(_ id: String) async throws -> PropertyCache.Entry {
        guard Property.isValidID(id), let entry = try await cache.current(id) else {
            throw AssentError.notFound("unknown property \"\(id)\"", code: "unknown_property")
        }
        return entry
    }

    /// The visitor's region: the trusted header, or the default; the demo property alone may be switched by
    /// the demo page's region parameter (400 `invalid_region` for one that is not a region code).
    func region(propertyID: String, header: String?, demoOverride: String?) throws -> Region {
        do {
            return try regionSource(propertyID: propertyID, header: header).resolve(override: demoOverride)
        } catch {
            throw ConsentService.refusal(error)
        }
    }

    /// Where the region of a visitor of the property comes from: only the demo takes a region parameter.
    func regionSource(propertyID: String, header: String?) -> RegionSource {
        RegionSource(
            header: header, fallback: configuration.defaultRegion,
            overridable: propertyID == configuration.demoPropertyID)
    }
}

/// The header names the configuration gives (`--region-header`, `--client-header`, `--forwarded-proto-header`),
/// made into HTTP field names once, at start: a name HTTP cannot carry is refused there rather than on a request.
struct HeaderNames: Sendable {
    /// Where a trusted proxy puts the visitor's region.
    let region: HTTPField.Name
    /// Where a trusted proxy puts the client's address; nil: the peer's address is the client's.
    let client: HTTPField.Name?
    /// Where a trusted proxy says the client used TLS; nil: it is not trusted to.
    let forwardedProto: HTTPField.Name?

    /// The defaults: `X-Assent-Region`, no client or TLS header.
    init() {
        region = HTTPField.Name("X-Assent-Region")!
        client = nil
        forwardedProto = nil
    }

    init(_ configuration: ServerConfiguration) throws {
        func name(_ option: String, _ text: String) throws -> HTTPField.Name {
            guard let name = HTTPField.Name(text) else {
                throw DataDirectoryError("the \(option) \"\(text)\" is not an HTTP header name")
            }
            return name
        }
        region = try name("region header", configuration.regionHeader)
        client = try configuration.clientHeader.map { try name("client header", $0) }
        forwardedProto = try configuration.forwardedProtoHeader.map { try name("forwarded proto header", $0) }
    }
}
