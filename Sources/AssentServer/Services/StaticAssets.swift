import AssentCore
import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A file served from memory, compressed once at start, with an ETag.
struct StaticAsset: Sendable {
    let contentType: String
    let identity: ByteBuffer
    let gzip: ByteBuffer?
    let etag: String
    let cacheControl: String

    init(bytes: [UInt8], contentType: String, cacheControl: String = "public, max-age=300, must-revalidate") {
        self.contentType = contentType
        self.cacheControl = cacheControl
        identity = ByteBuffer(bytes: bytes)
        etag = "\"" + String(Hex.encode(SHA256Digest.of(bytes)).prefix(32)) + "\""
        var source = ByteBuffer(bytes: bytes)
        let compressed = try? source.compress(
            with: .gzip(configuration: ZlibConfiguration(compressionLevel: .bestCompression)))
        gzip = compressed.flatMap { $0.readableBytes < bytes.count ? $0 : nil }
    }

    func response(for request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: contentType, .eTag: etag, .cacheControl: cacheControl, .vary: "Accept-Encoding",
        ]
        if ifNoneMatch(request.headers.value(.ifNoneMatch), matches: etag) {
            return Response(status: .notModified, headers: headers)
        }
        if let gzip, acceptsGzip(request.headers.value(.acceptEncoding)) {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: gzip))
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: identity))
    }
}

/// The files shipped in the module's Resources folder.
enum Resources {
    static var root: URL {
        Bundle.module.bundleURL.appendingPathComponent("Resources")
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        let url = root.appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DataDirectoryError("missing resource \(path) at \(url.path)")
        }
        return Array(data)
    }

    static func text(_ path: String) throws -> String { String(decoding: try bytes(path), as: UTF8.self) }

    static func contentType(for path: String) -> String {
        switch (path as NSString).pathExtension {
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "html": "text/html; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json": "application/json; charset=utf-8"
        case "png": "image/png"
        default: "application/octet-stream"
        }
    }

    /// Every file directly in a resource folder, keyed by file name.
    static func folder(_ name: String, excluding: Set<String> = []) throws -> [String: StaticAsset] {
        let url = root.appendingPathComponent(name)
        var assets: [String: StaticAsset] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: url.path)
        where !file.hasPrefix(".") && !excluding.contains((file as NSString).pathExtension) {
            let data = try bytes("\(name)/\(file)")
            assets[file] = StaticAsset(bytes: data, contentType: contentType(for: file))
        }
        return assets
    }
}
