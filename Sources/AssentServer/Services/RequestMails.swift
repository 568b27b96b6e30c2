import AssentCore
import Foundation

/// The requester's mails: what each says when a request is filed, needs a new code, is extended or is closed.
extension RequestService {
    static func label(_ type: RequestType) -> String {
        switch type {
        case .optOutSaleSharing: "Do Not Sell or Share My Personal Information"
        case .optOutLists: "Opt out of lists and lead reports"
        case .limitSensitive: "Limit the use of my sensitive personal information"
        case .access: "Access my personal information"
        case .delete: "Delete my personal information"
        case .correct: "Correct my personal information"
        }
    }

    static func mailSubject(_ request: PrivacyRequest) -> String {
        "Your privacy request: \(label(request.type))"
    }

    static func filedMail(_ request: PrivacyRequest, code: String?, statusURL: String) -> String {
        var lines = ["We received your request: \(label(request.type)).", ""]
        if let code {
            lines += [
                "To confirm that this address is yours, enter this code on the request's page within 15 minutes:",
                "", "    \(code)", "",
            ]
        } else {
            lines += ["It took effect when you sent it. No confirmation is needed.", ""]
        }
        lines += [
            "Follow your request here (keep this link to yourself):", statusURL, "",
            "We will answer by \(request.deadlines.respondBy).",
            "If you did not send this request, you can ignore this message.",
        ]
        return lines.joined(separator: "\n")
    }

    static func codeMail(code: String, statusURL: String) -> String {
        [
            "Your new confirmation code (the previous one no longer works):", "", "    \(code)", "",
            "Enter it within 15 minutes on your request's page:", statusURL,
        ].joined(separator: "\n")
    }

    static func extendedMail(_ request: PrivacyRequest) -> String {
        [
            "We need more time to answer your request: \(label(request.type)).", "",
            "Reason: \(request.extensionReason ?? "")", "",
            "We will answer by \(request.deadlines.extendedRespondBy).",
        ].joined(separator: "\n")
    }

    static func closedMail(_ request: PrivacyRequest) -> String {
        switch request.status {
        case .denied:
            [
                "We could not carry out your request: \(label(request.type)).", "",
                "Reason: \(request.denialReason ?? "")",
            ].joined(separator: "\n")
        default:
            request.exportDownloadable
                ? [
                    "Your request is complete: \(label(request.type)).", "",
                    "Your data is ready: download it from your request's page, the link in our first message.",
                ].joined(separator: "\n") : "Your request is complete: \(label(request.type))."
        }
    }
}
