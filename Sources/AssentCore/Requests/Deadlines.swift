/// The law a privacy request is answered under, chosen by the requester's regime.
public enum RequestLaw: String, Sendable, CaseIterable {
    /// California (CCPA/CPRA regulations, 11 CCR): days are calendar days, business days skip weekends and
    /// holidays.
    case ccpa
    /// GDPR Art. 12(3): one month, periods counted as Regulation 1182/71 counts them. The one extension is 45
    /// days, as under the CCPA: well inside the two further months Art. 12(3) allows, so one rule serves both.
    case gdpr

    /// Opt-in (EU/EEA, UK, CH) regimes answer under the GDPR; everything else under the CCPA's deadlines,
    /// the stricter of the US state laws.
    public init(regime: Regime) { self = regime == .optIn ? .gdpr : .ccpa }
}

/// Which days count as working days: Monday to Friday, less the publisher's holidays.
public struct BusinessCalendar: Sendable, Equatable {
    public var holidays: Set<CivilDate>

    public init(holidays: Set<CivilDate> = []) { self.holidays = holidays }

    public func isBusinessDay(_ date: CivilDate) -> Bool { !date.isWeekend && !holidays.contains(date) }

    /// The `count`-th business day after `date` (the day itself never counts: "within 10 business days of
    /// receipt" starts the day after).
    public func adding(businessDays count: Int, to date: CivilDate) -> CivilDate {
        precondition(count >= 0, "a count of business days is never negative")
        var day = date
        var left = count
        while left > 0 {
            day = day.adding(days: 1)
            if isBusinessDay(day) { left -= 1 }
        }
        return day
    }

    /// `date` when it is a business day, else the next one (Regulation 1182/71 Art. 3(4): a period that
    /// would end on a Saturday, Sunday or public holiday ends on the next working day).
    public func onOrAfter(_ date: CivilDate) -> CivilDate {
        var day = date
        while !isBusinessDay(day) { day = day.adding(days: 1) }
        return day
    }
}

/// The legal clock of one request. All dates are days of the calendar the publisher works in (UTC); a
/// deadline is met until the end of its day.
public struct RequestDeadlines: Sendable, Equatable {
    public let received: CivilDate
    /// The confirmation of receipt: 10 business days (CCPA §7021(a)).
    public let acknowledgeBy: CivilDate
    /// The answer. Opt-outs: 15 business days (CCPA §7026(f)). Other requests: 45 calendar days from receipt,
    /// counted even while verification is pending (§7021(b)), or one month under the GDPR.
    public let respondBy: CivilDate
    /// After the one extension, 45 days more: 90 days from receipt under the CCPA; under the GDPR, 45 days after
    /// the one-month deadline, moved to the next working day like it.
    public let extendedRespondBy: CivilDate

    public init(received: CivilDate, type: RequestType, law: RequestLaw, calendar: BusinessCalendar) {
        self.received = received
        acknowledgeBy = calendar.adding(businessDays: 10, to: received)
        switch law {
        case .ccpa:
            respondBy =
                type.isOptOut ? calendar.adding(businessDays: 15, to: received) : received.adding(days: 45)
            extendedRespondBy = type.isOptOut ? respondBy : received.adding(days: 90)
        case .gdpr:
            respondBy = calendar.onOrAfter(received.adding(months: 1))
            extendedRespondBy = calendar.onOrAfter(respondBy.adding(days: 45))
        }
    }

    /// Deadlines as stored: computed once when the request arrived, so a later change of the calendar does not
    /// move them.
    public init(received: CivilDate, acknowledgeBy: CivilDate, respondBy: CivilDate, extendedRespondBy: CivilDate) {
        self.received = received
        self.acknowledgeBy = acknowledgeBy
        self.respondBy = respondBy
        self.extendedRespondBy = extendedRespondBy
    }

    /// The deadline in force: the extended one once the request was extended.
    public func due(extended: Bool) -> CivilDate { extended ? extendedRespondBy : respondBy }
}
