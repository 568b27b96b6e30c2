import AssentCore
import Benchmark

/// A TCF 2.3 "accept all" string for 300 vendors (IDs spread over 1…1100, so both vendor sections are bitfields),
/// 117 of them with legitimate interest, two publisher restrictions and the DisclosedVendors segment listing the
/// 300. scripts/bench-signals reads this literal too, to time the iab-tcf Python decoder on the same string.
let tcString300 =
    "CQuci4AQuci4AEsAHBENCNFsAP_gAEPAAAYgIlJAhFFSDQghogiioBNmSKkQH0DGEoRgziEQgnSgAER1sQEgCFsKQBhhAMPABIIlQBOEqeaSCEQQmIAUAmAEkQIEmSAITDhQpCQgQoUFQqACIAqgJAjeFLJjEBChAEgqsoCgiEADA4H4FDAVolhE0OAoQBQgJIDEwgKAiiRgoCCUABxBAkRBQgBEAQQkAAAKAgChAABAFAQASEAUIAFIEIAACAhAAAAIAAAAhCAAAAABIUgCBCAISACQBCgCUJQkAEAAgAEAAgAEAAAAQJAkAQgCAAQAAAAQoChAAAQBAAAAEIAASEIABCAIABQAAAAAACAgCgKEACBKAJAEAQgChAQACBAAAAFAABQEAAACgCAICAEEgBAAQAEOOAAgFRAA.IIlJAhFFSDQghogiioBNmSKkQH0DGEoRgziEQgnSgAER1sQEgCFsKQBhhAMPABIIlQBOEqeaSCEQQmIAUAmAEkQIEmSAITDhQpCQgQoUFQqACIAqgJAjeFLJjEBChAEgqsoCgiEADA4H4FDAVolhE0OAoQBQgJIDEwgKAiiRgoCCUABxBAkRBQgBEAQA"

/// uspv1, usnat (v2, GPC) and usca (GPC): three sections, header [6, 7, 8].
let gppString3 = "DBABzYA~1YYN~CVVVVVVVoFGA.YA~BVVVVVWA.YA"

let usPrivacyString = "1YYN"

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], timeUnits: .nanoseconds, warmupIterations: 10,
        scalingFactor: .kilo, maxDuration: .seconds(3), maxIterations: 1_000_000)

    let tc = try! TCString.decode(tcString300)
    precondition(tc.vendorConsents.count == 300 && (try? tc.encode()) == tcString300)
    let gpp = try! GPPString.decode(gppString3)
    precondition(gpp.sections.count == 3 && (try? gpp.encode()) == gppString3)
    let usp = try! USPrivacyString.decode(usPrivacyString)

    Benchmark("TC string decode (300 vendors)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! TCString.decode(tcString300)) }
    }
    Benchmark("TC string encode (300 vendors)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! tc.encode()) }
    }
    Benchmark("GPP string decode (3 sections)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! GPPString.decode(gppString3)) }
    }
    Benchmark("GPP string encode (3 sections)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! gpp.encode()) }
    }
    Benchmark("US Privacy decode") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! USPrivacyString.decode(usPrivacyString)) }
    }
    Benchmark("US Privacy encode") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! usp.encode()) }
    }
}
