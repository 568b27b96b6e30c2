import AssentCore
import Foundation

/// Everything `assent serve` needs; tests build one with a temporary data directory.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var dataDirectory: String
    /// The trusted request header, set by the publisher's CDN or proxy, that carries the visitor's region.
    public var regionHeader: String
    public var defaultRegion: Region
    /// The property whose demo page may switch regions by query parameter; no other property can.
    public var demoPropertyID: String
    /// Seed the demo property when the database has no properties.
    public var seedDemo: Bool
    /// The largest request body accepted.
    public var maxBodyBytes: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String = "./assent-data",
        regionHeader: String = "X-Assent-Region", defaultRegion: Region = Region("US-CA")!,
        demoPropertyID: String = "demo", seedDemo: Bool = true, maxBodyBytes: Int = 16 * 1024
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.regionHeader = regionHeader
        self.defaultRegion = defaultRegion
        self.demoPropertyID = demoPropertyID
        self.seedDemo = seedDemo
        self.maxBodyBytes = maxBodyBytes
    }

    public var databasePath: String { (dataDirectory as NSString).appendingPathComponent("assent.sqlite") }
    public var signingKeyPath: String { (dataDirectory as NSString).appendingPathComponent("signing-key.ed25519") }
    public var baseURL: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}
