import Foundation
import Testing

@testable import AssentMail

@Suite struct OutboxTransportTests {
    @Test func writesEachMessageAsAPrivateEMLFileWithTheSMTPBytes() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("assent-outbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let outbox = OutboxTransport(directory: root.path + "/outbox")
        let from = try MailAddress("noreply@assent.example")
        var written: [(path: String, message: MailMessage)] = []
        for index in 0..<5 {
            let message = try MailMessage(
                from: from, to: MailAddress("v\(index)@example.org"), subject: "Code nº \(index)", body: "12345\(index)"
            )
            written.append((try await outbox.write(message), message))
        }
        for (path, message) in written {
            #expect(path.hasPrefix(root.path + "/outbox/") && path.hasSuffix(".eml"))
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == message.rendered())
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path + "/outbox")
        #expect(names.count == 5)
        #expect(names.allSatisfy { !$0.hasPrefix(".") })
        #expect(names.sorted() == written.map { URL(fileURLWithPath: $0.path).lastPathComponent })
        let folder = try FileManager.default.attributesOfItem(atPath: root.path + "/outbox")
        #expect((folder[.posixPermissions] as? NSNumber)?.intValue == 0o700)
    }

    @Test func namesSortByTime() {
        let early = OutboxTransport.fileName(at: Date(timeIntervalSince1970: 1_795_969_185.25))
        let late = OutboxTransport.fileName(at: Date(timeIntervalSince1970: 1_795_969_185.75))
        let later = OutboxTransport.fileName(at: Date(timeIntervalSince1970: 1_795_969_186))
        #expect(early.hasPrefix("20261129T161945.250000Z-"))
        #expect(early < late && late < later)
    }

    @Test func anUnwritableFolderIsAnError() async throws {
        let message = try MailMessage(
            from: MailAddress("a@b.example"), to: MailAddress("c@d.example"), subject: "s", body: "b")
        await #expect(throws: OutboxError.self) {
            try await OutboxTransport(directory: "/proc/assent-no-such/outbox").write(message)
        }
    }
}
