import AssentCore
import Testing

@Suite("Civil dates")
struct CivilDateTests {
    @Test(arguments: Array(stride(from: -1_000_000, through: 1_000_000, by: 997)))
    func daysRoundTrip(days: Int) {
        #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
    }

    @Test(arguments: [
        ("1970-01-01", 4), ("2026-11-29", 7), ("2027-03-01", 1), ("2028-02-29", 2), ("2000-01-01", 6),
    ])
    func weekday(date: String, iso: Int) throws {
        #expect(try #require(CivilDate(date)).weekday == iso)
    }

    @Test(arguments: ["2027-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "26-01-01", "2026-1-01"])
    func impossibleDatesAreRejected(text: String) {
        #expect(CivilDate(text) == nil)
    }

    @Test(arguments: ["2000-02-29", "2024-02-29", "2026-12-31", "0001-01-01"])
    func realDatesParseAndPrint(text: String) throws {
        #expect(try #require(CivilDate(text)).description == text)
    }

    @Test(arguments: [
        ("2027-01-31", 1, "2027-02-28"), ("2028-01-31", 1, "2028-02-29"), ("2026-03-31", 1, "2026-04-30"),
        ("2026-12-15", 1, "2027-01-15"), ("2026-11-30", 3, "2027-02-28"), ("2028-02-29", 12, "2029-02-28"),
        ("2026-05-31", -3, "2026-02-28"),
    ])
    func monthsEndOnTheSameDayOrTheLastDay(from: String, months: Int, expected: String) throws {
        #expect(try #require(CivilDate(from)).adding(months: months).description == expected)
    }

    @Test func dayOfAnInstant() {
        // 2026-11-29T23:59:59.999Z and the next millisecond.
        #expect(CivilDate(milliseconds: 1_795_996_799_999).description == "2026-11-29")
        #expect(CivilDate(milliseconds: 1_795_996_800_000).description == "2026-11-30")
        #expect(CivilDate(milliseconds: -1).description == "1969-12-31")
        #expect(CivilDate("2026-11-29")!.endMilliseconds == 1_795_996_800_000)
    }
}

@Suite("Request deadlines")
struct RequestDeadlineTests {
    static let thanksgiving = BusinessCalendar(holidays: [CivilDate("2026-11-26")!])

    @Test(arguments: [
        // Friday: the next ten weekdays.
        ("2026-11-27", BusinessCalendar(), "2026-12-11"),
        // Saturday: counting starts on Monday, so the same day.
        ("2026-11-28", BusinessCalendar(), "2026-12-11"),
        ("2026-11-25", BusinessCalendar(), "2026-12-09"),
        // A holiday does not count.
        ("2026-11-25", thanksgiving, "2026-12-10"),
    ])
    func acknowledgementIsTenBusinessDays(received: String, calendar: BusinessCalendar, expected: String) throws {
        let deadlines = RequestDeadlines(
            received: try #require(CivilDate(received)), type: .access, law: .ccpa, calendar: calendar)
        #expect(deadlines.acknowledgeBy.description == expected)
    }

    @Test(arguments: [
        // CCPA: 45 calendar days, 90 once extended, whatever the weekday.
        ("2026-11-29", RequestType.access, RequestLaw.ccpa, "2027-01-13", "2027-02-27"),
        ("2026-11-29", .delete, .ccpa, "2027-01-13", "2027-02-27"),
        // CCPA opt-outs: 15 business days, and no extension.
        ("2026-11-27", .optOutSaleSharing, .ccpa, "2026-12-18", "2026-12-18"),
        // GDPR: one month; 28 February 2027 is a Sunday, so Monday 1 March. Extended: 45 days more, Thursday.
        ("2027-01-31", .access, .gdpr, "2027-03-01", "2027-04-15"),
        // A leap day: 29 March 2028 is a Wednesday; 45 days later is Saturday 13 May, so Monday 15 May.
        ("2028-02-29", .correct, .gdpr, "2028-03-29", "2028-05-15"),
    ])
    func responseDeadline(
        received: String, type: RequestType, law: RequestLaw, respondBy: String, extended: String
    ) throws {
        let deadlines = RequestDeadlines(
            received: try #require(CivilDate(received)), type: type, law: law, calendar: BusinessCalendar())
        #expect(deadlines.respondBy.description == respondBy)
        #expect(deadlines.extendedRespondBy.description == extended)
        #expect(deadlines.due(extended: false) == deadlines.respondBy)
        #expect(deadlines.due(extended: true) == deadlines.extendedRespondBy)
    }

    @Test func lawFollowsTheRegime() {
        #expect(RequestLaw(regime: .optIn) == .gdpr)
        #expect(RequestLaw(regime: .optOut) == .ccpa)
        #expect(RequestLaw(regime: .notice) == .ccpa)
    }
}

@Suite("Request transitions")
struct RequestTransitionTests {
    static let allowed: Set<String> = [
        "received>verified", "verified>in_progress", "in_progress>completed", "received>denied", "verified>denied",
        "in_progress>denied",
    ]

    @Test(arguments: RequestStatus.allCases, RequestStatus.allCases)
    func onlyTheDocumentedMovesAreAllowed(from: RequestStatus, to: RequestStatus) {
        let expected = Self.allowed.contains("\(from.rawValue)>\(to.rawValue)")
        let allowed = (try? RequestTransition.check(from: from, to: to, type: .access, reason: "a reason")) != nil
        #expect(allowed == expected, "\(from) → \(to)")
    }

    @Test(arguments: RequestType.allCases)
    func startingWorkWithoutVerificationOnlyForOptOuts(type: RequestType) {
        let allowed = (try? RequestTransition.check(from: .received, to: .inProgress, type: type, reason: nil)) != nil
        #expect(allowed == type.isOptOut)
        #expect(type.needsVerification == !type.isOptOut)
    }

    @Test(arguments: [nil, "", "  \n"])
    func aDenialNeedsAReason(reason: String?) {
        #expect(throws: RequestTransitionError.self) {
            try RequestTransition.check(from: .verified, to: .denied, type: .delete, reason: reason)
        }
    }

    @Test func oneExtensionWithAReasonBeforeTheDeadline() throws {
        try RequestTransition.checkExtension(
            status: .inProgress, alreadyExtended: false, overdue: false, reason: "many systems to search")
        #expect(throws: RequestTransitionError.self) {
            try RequestTransition.checkExtension(
                status: .inProgress, alreadyExtended: true, overdue: false, reason: "x")
        }
        #expect(throws: RequestTransitionError.self) {
            try RequestTransition.checkExtension(status: .verified, alreadyExtended: false, overdue: true, reason: "x")
        }
        #expect(throws: RequestTransitionError.self) {
            try RequestTransition.checkExtension(
                status: .completed, alreadyExtended: false, overdue: false, reason: "x")
        }
        #expect(throws: RequestTransitionError.self) {
            try RequestTransition.checkExtension(status: .received, alreadyExtended: false, overdue: false, reason: " ")
        }
    }
}

@Suite("E-mail addresses")
struct EmailAddressTests {
    @Test(arguments: [
        ("Ana@Example.com", "ana@example.com"), ("  ana@example.com\n", "ana@example.com"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
    ])
    func normalized(text: String, expected: String) throws {
        #expect(try #require(EmailAddress(text)).normalized == expected)
    }

    @Test(arguments: [
        "", "ana", "ana@", "@example.com", "ana@example", "ana@@example.com", "ana@exa mple.com", "ana@.example.com",
        "ana@example..com", "ana@example.com.", "<ana@example.com>", String(repeating: "a", count: 65) + "@example.com",
        "ana@" + String(repeating: "a", count: 250) + ".com",
    ])
    func rejected(text: String) {
        #expect(EmailAddress(text) == nil)
    }

    @Test func suppressionHashIsHMACOfTheNormalizedAddress() throws {
        let secret = Array("property-secret".utf8)
        let hash = try #require(EmailAddress(" Ana@EXAMPLE.com ")).suppressionHash(secret: secret)
        // Python: hmac.new(b"property-secret", b"ana@example.com", hashlib.sha256).hexdigest()
        #expect(hash == "ecf8f430f0bc68d2e156079dcc0d90dbe91c8ec738505dc37d50a2fa3b9a3668")
        #expect(try #require(EmailAddress("ana@example.com")).suppressionHash(secret: Array("other".utf8)) != hash)
    }
}
