/// What a new property starts with: the six categories publishers use today and the widget texts in English
/// and Spanish.
extension Property {
    public static func standard(id: String, name: String, origins: [String]) -> Property {
        Property(
            id: id, name: name, origins: origins, languages: ["en", "es"], regimes: .standard,
            categories: standardCategories, texts: ["en": englishTexts, "es": spanishTexts])
    }

    public static let standardCategories: [Category] = [
        Category(
            key: "necessary",
            title: ["en": "Strictly Necessary", "es": "Estrictamente necesarias"],
            description: [
                "en":
                    "These cookies are needed for the site to work and cannot be switched off. They remember your privacy choices and keep the site secure.",
                "es":
                    "Estas cookies son necesarias para que el sitio funcione y no se pueden desactivar. Recuerdan sus opciones de privacidad y mantienen el sitio seguro.",
            ],
            required: true, defaults: RegimeDefaults(optIn: true, optOut: true, notice: true),
            purposes: [.security, .functional],
            cookies: [
                CookieInfo(
                    name: "assent_", prefix: true, duration: "up to 12 months",
                    description: [
                        "en": "Remembers your privacy choices.", "es": "Recuerda sus opciones de privacidad.",
                    ])
            ]),
        Category(
            key: "functional",
            title: ["en": "Functional", "es": "Funcionales"],
            description: [
                "en": "These cookies remember choices such as your language so the site works the way you prefer.",
                "es": "Estas cookies recuerdan opciones como su idioma para que el sitio funcione como usted prefiere.",
            ],
            purposes: [.functional, .personalization]),
        Category(
            key: "performance",
            title: ["en": "Performance", "es": "Rendimiento"],
            description: [
                "en":
                    "These cookies count visits and traffic sources so we can measure and improve how the site performs.",
                "es":
                    "Estas cookies cuentan las visitas y las fuentes de tráfico para medir y mejorar el rendimiento del sitio.",
            ],
            purposes: [.analytics]),
        Category(
            key: "targeting",
            title: ["en": "Targeting", "es": "Publicidad dirigida"],
            description: [
                "en":
                    "These cookies may be set by our advertising partners to build a profile of your interests and show you relevant ads on other sites.",
                "es":
                    "Estas cookies pueden ser establecidas por nuestros socios publicitarios para crear un perfil de sus intereses y mostrarle anuncios relevantes en otros sitios.",
            ],
            purposes: [.targetedAdvertising]),
        Category(
            key: "social",
            title: ["en": "Social Media", "es": "Redes sociales"],
            description: [
                "en":
                    "These cookies are set by social media services so you can share content and watch embedded media.",
                "es":
                    "Estas cookies son establecidas por servicios de redes sociales para que pueda compartir contenido y ver contenido incrustado.",
            ],
            purposes: [.social]),
        Category(
            key: "sale",
            title: ["en": "Sale or Sharing of Personal Data", "es": "Venta o intercambio de datos personales"],
            description: [
                "en":
                    "We may sell or share personal data such as identifiers and browsing activity with partners for cross-context behavioral advertising. Switch this off to opt out.",
                "es":
                    "Podemos vender o compartir datos personales, como identificadores y actividad de navegación, con socios para publicidad conductual entre contextos. Desactívelo para excluirse.",
            ],
            purposes: [.sale, .sharing]),
    ]

    public static let englishTexts: [String: String] = [
        "bannerTitle": "We value your privacy",
        "bannerText":
            "We use cookies to run this site, to measure traffic and, with your permission, for advertising and social media. You can accept all, reject all, or choose by category. You can change your mind at any time.",
        "acceptAll": "Accept All",
        "rejectAll": "Reject All",
        "preferences": "Cookie Preferences",
        "doNotSell": "Do Not Sell or Share My Personal Information",
        "preferencesTitle": "Privacy Preference Center",
        "preferencesIntro":
            "When you visit a website, it may store or retrieve information on your browser, mostly in the form of cookies. Choose which categories you allow. Blocking some types of cookies may affect your experience of the site.",
        "cookiePolicy": "Cookie Policy",
        "allowAll": "Allow All",
        "saveSettings": "Save Settings",
        "alwaysActive": "Always Active",
        "gpcHonoured": "Global Privacy Control signal honoured",
        "close": "Close",
        "cookiesHeading": "Cookies used",
        "placeholder": "This content is blocked until you allow {category}.",
        "placeholderButton": "Allow {category}",
    ]

    public static let spanishTexts: [String: String] = [
        "bannerTitle": "Valoramos su privacidad",
        "bannerText":
            "Usamos cookies para que este sitio funcione, para medir el tráfico y, con su permiso, para publicidad y redes sociales. Puede aceptarlas todas, rechazarlas todas o elegir por categoría. Puede cambiar de opinión en cualquier momento.",
        "acceptAll": "Aceptar todo",
        "rejectAll": "Rechazar todo",
        "preferences": "Preferencias de cookies",
        "doNotSell": "No vender ni compartir mi información personal",
        "preferencesTitle": "Centro de preferencias de privacidad",
        "preferencesIntro":
            "Cuando visita un sitio web, este puede almacenar o recuperar información en su navegador, sobre todo en forma de cookies. Elija qué categorías permite. Bloquear algunos tipos de cookies puede afectar a su experiencia en el sitio.",
        "cookiePolicy": "Política de cookies",
        "allowAll": "Permitir todo",
        "saveSettings": "Guardar ajustes",
        "alwaysActive": "Siempre activas",
        "gpcHonoured": "Señal de Global Privacy Control respetada",
        "close": "Cerrar",
        "cookiesHeading": "Cookies utilizadas",
        "placeholder": "Este contenido está bloqueado hasta que permita {category}.",
        "placeholderButton": "Permitir {category}",
    ]
}
