import AssentCore
import AssentStore

/// The demo property's vendor list: a small list of our own in the Global Vendor List v3 format, with five
/// vendors as the IAB's list (version 7 of the v3 format) declares them, so the demo shows TCF without a real
/// list imported. It is stored as version 4000, a number the IAB's list will not reach for decades, so that
/// importing a real list never collides with it.
enum DemoVendorList {
    static let version = 4000

    static let json = """
        {
          "gvlSpecificationVersion": 3,
          "vendorListVersion": 4000,
          "tcfPolicyVersion": 5,
          "lastUpdated": "2026-01-01T00:00:00Z",
          "purposes": {
            "1": {"id": 1, "name": "Store and/or access information on a device",
                  "description": "Cookies and similar identifiers on your device can be stored or read."},
            "2": {"id": 2, "name": "Use limited data to select advertising",
                  "description": "Ads can be chosen from limited data such as the page you read and your rough location."},
            "3": {"id": 3, "name": "Create profiles for personalised advertising",
                  "description": "Your activity can be used to build a profile of your interests for advertising."},
            "4": {"id": 4, "name": "Use profiles to select personalised advertising",
                  "description": "Ads can be chosen from a profile of your interests."},
            "5": {"id": 5, "name": "Create profiles to personalise content",
                  "description": "Your activity can be used to build a profile of your interests for content."},
            "6": {"id": 6, "name": "Use profiles to select personalised content",
                  "description": "Content can be chosen from a profile of your interests."},
            "7": {"id": 7, "name": "Measure advertising performance",
                  "description": "How ads perform, and how you react to them, can be measured."},
            "8": {"id": 8, "name": "Measure content performance",
                  "description": "How content performs, and how you react to it, can be measured."},
            "9": {"id": 9, "name": "Understand audiences through statistics or combinations of data from different sources",
                  "description": "Reports on audiences can be produced from statistics and combined data."},
            "10": {"id": 10, "name": "Develop and improve services",
                   "description": "Data about your use can help develop new products and improve existing ones."},
            "11": {"id": 11, "name": "Use limited data to select content",
                   "description": "Content can be chosen from limited data such as the page you read and your rough location."}
          },
          "specialPurposes": {
            "1": {"id": 1, "name": "Ensure security, prevent and detect fraud, and fix errors",
                  "description": "Data can be used to keep systems secure, stop fraud and fix errors."},
            "2": {"id": 2, "name": "Deliver and present advertising and content",
                  "description": "Data can be used to show ads and content on your device."}
          },
          "features": {
            "1": {"id": 1, "name": "Match and combine data from other data sources",
                  "description": "Data collected here can be combined with data from other sources."},
            "2": {"id": 2, "name": "Link different devices",
                  "description": "Devices can be recognised as used by the same person or household."},
            "3": {"id": 3, "name": "Identify devices based on information transmitted automatically",
                  "description": "A device can be told apart from others by what it sends automatically."}
          },
          "specialFeatures": {
            "1": {"id": 1, "name": "Use precise geolocation data",
                  "description": "With your acceptance, your precise location can be used."},
            "2": {"id": 2, "name": "Actively scan device characteristics for identification",
                  "description": "With your acceptance, characteristics of your device can be read to identify it."}
          },
          "vendors": {
            "1": {"id": 1, "name": "Exponential Interactive, Inc d/b/a VDX.tv",
                  "purposes": [1, 2, 3, 4, 7, 8, 9, 10], "legIntPurposes": [], "flexiblePurposes": [7, 8, 9, 10],
                  "specialPurposes": [1, 2], "features": [1, 2, 3], "specialFeatures": [],
                  "dataRetention": {"stdRetention": 397, "purposes": {}, "specialPurposes": {}},
                  "urls": [{"langId": "en", "privacy": "https://vdx.tv/privacy/"}]},
            "2": {"id": 2, "name": "Captify Technologies Limited",
                  "purposes": [1, 2, 3, 4, 7, 9, 10], "legIntPurposes": [], "flexiblePurposes": [],
                  "specialPurposes": [1, 2], "features": [2], "specialFeatures": [2],
                  "dataRetention": {"stdRetention": 365, "purposes": {}, "specialPurposes": {}},
                  "urls": [{"langId": "en", "privacy": "https://www.captifytechnologies.com/privacy-notice/"}]},
            "20": {"id": 20, "name": "N.Rich Technologies Inc.",
                   "purposes": [1, 3, 4, 5], "legIntPurposes": [2, 7, 8, 9, 10], "flexiblePurposes": [2, 7, 8, 9, 10],
                   "specialPurposes": [1, 2], "features": [1, 2], "specialFeatures": [1],
                   "dataRetention": {"stdRetention": 540, "purposes": {}, "specialPurposes": {}},
                   "urls": [{"langId": "en", "privacy": "https://n.rich/privacy-notice",
                             "legIntClaim": "https://n.rich/privacy-notice"}]},
            "755": {"id": 755, "name": "Google Advertising Products",
                    "purposes": [1, 3, 4], "legIntPurposes": [2, 7, 9, 10], "flexiblePurposes": [2, 7, 9, 10],
                    "specialPurposes": [1, 2], "features": [1, 2], "specialFeatures": [],
                    "dataRetention": {"stdRetention": 548, "purposes": {"3": 180, "4": 180}, "specialPurposes": {"1": 1096}},
                    "urls": [{"langId": "en", "privacy": "https://business.safety.google/privacy/",
                              "legIntClaim": "https://policies.google.com/privacy#europeanrequirements"}]},
            "1044": {"id": 1044, "name": "TMT Digital Inc",
                     "purposes": [], "legIntPurposes": [], "flexiblePurposes": [],
                     "specialPurposes": [1], "features": [], "specialFeatures": [],
                     "dataRetention": {"purposes": {}, "specialPurposes": {"1": 0}},
                     "urls": [{"langId": "en", "privacy": "https://mediatrust.com/privacy-statement/"}]}
          }
        }
        """

    /// The vendors the demo property shows.
    static let vendors = [1, 2, 20, 755, 1044]

    static var list: VendorList { try! VendorList.decode(json: Array(json.utf8)) }

    static func stored(at time: Int64) -> StoredVendorList {
        StoredVendorList(list: list, json: try! JSONParser.parse(json), importedAt: time)
    }
}
