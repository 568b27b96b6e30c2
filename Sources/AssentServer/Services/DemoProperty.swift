import AssentCore

/// The demo publisher's property: the standard categories with the demo page's own cookies listed, so that
/// revoking a category visibly deletes what its demo script set, and TCF with the demo vendor list.
enum DemoProperty {
    static func make(origins: [String]) -> Property {
        var property = Property.standard(id: "demo", name: "The Assent Gazette", origins: origins)
        property.links = PropertyLinks(
            privacyPolicy: "/demo/privacy.html", cookiePolicy: "/demo/cookies.html",
            privacyRequests: "/demo/privacy-requests.html")
        func cookie(_ name: String, _ en: String, _ es: String) -> CookieInfo {
            CookieInfo(name: name, duration: "1 year", party: .first, description: ["en": en, "es": es])
        }
        let demoCookies: [String: [CookieInfo]] = [
            "functional": [
                cookie("demo_lang", "Remembers the language you read in.", "Recuerda el idioma en que lee.")
            ],
            "performance": [
                cookie(
                    "demo_analytics", "Counts your page views for the demo analytics.",
                    "Cuenta sus páginas vistas para la analítica de demostración.")
            ],
            "targeting": [
                cookie(
                    "demo_ads", "Remembers which demo ads you have seen.",
                    "Recuerda qué anuncios de demostración ha visto.")
            ],
            "social": [
                cookie(
                    "demo_social", "Set by the demo share button.",
                    "Establecida por el botón de compartir de demostración.")
            ],
        ]
        for i in property.categories.indices {
            property.categories[i].cookies += demoCookies[property.categories[i].key] ?? []
        }
        // TCF for the opt-in regions with five vendors of the demo vendor list; GPP, US Privacy and Consent Mode
        // follow the categories' purposes. Assent has no CMP id of the IAB's; the demo uses 1, the id GPP sets
        // aside for string creators without one.
        property.signals = SignalSettings(
            tcf: TCFSettings(
                cmpId: 1, cmpVersion: 1, publisherCountryCode: "FR", vendorListVersion: DemoVendorList.version,
                specialFeatures: [1, 2], vendors: DemoVendorList.vendors))
        return property
    }
}
