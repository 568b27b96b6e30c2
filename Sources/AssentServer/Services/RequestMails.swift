import AssentCore
import Foundation

/// The requester's mails: what each says when a request is filed, needs a new code, is extended or is closed. Its
/// words are the catalogue's `mail` section, the request type's name its `requests` section (the name the pages
/// show), in the language the request was filed in (`PrivacyRequest.lang`: a language of the property, English
/// for one the catalogue lacks).
struct RequestMails: Sendable {
    let texts: TextCatalogue

    func subject(_ request: PrivacyRequest) -> String {
        line("subject", request)
    }

    func filed(_ request: PrivacyRequest, code: String?, statusURL: String) -> String {
        var lines = [line("received", request), ""]
        if let code {
            lines += [line("codeIntro", request), "", "    \(code)", ""]
        } else {
            lines += [line("noCodeNeeded", request), ""]
        }
        lines += [
            line("follow", request), statusURL, "",
            line("answerBy", request, ["date": request.deadlines.respondBy.description]),
            line("notYou", request),
        ]
        return lines.joined(separator: "\n")
    }

    func newCode(_ request: PrivacyRequest, code: String, statusURL: String) -> String {
        [line("newCode", request), "", "    \(code)", "", line("enterCode", request), statusURL]
            .joined(separator: "\n")
    }

    func extended(_ request: PrivacyRequest) -> String {
        [
            line("extended", request), "", line("reason", request, ["reason": request.extensionReason ?? ""]), "",
            line("answerBy", request, ["date": request.deadlines.extendedRespondBy.description]),
        ].joined(separator: "\n")
    }

    func closed(_ request: PrivacyRequest) -> String {
        switch request.status {
        case .denied:
            [line("denied", request), "", line("reason", request, ["reason": request.denialReason ?? ""])]
                .joined(separator: "\n")
        default:
            request.exportDownloadable
                ? [line("completed", request), "", line("exportReady", request)].joined(separator: "\n")
                : line("completed", request)
        }
    }

    /// One text of the `mail` section in the request's language, with the type's name and `values` filled in.
    private func line(_ key: String, _ request: PrivacyRequest, _ values: [String: String] = [:]) -> String {
        var values = values
        values["type"] = texts.name(of: request.type, request.lang)
        return TextCatalogue.fill(texts.text("mail", key, request.lang), values)
    }
}

extension RequestService {
    var mails: RequestMails { RequestMails(texts: texts) }
}
