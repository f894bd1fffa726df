"""The standard focus topics (Schwerpunktthemen) of the inner-city programme: a new network starts with them,
and the method cards are tagged with their slugs."""

FOCUS_TOPICS: dict[str, str] = {
    "funktionsvielfalt": "Funktionsvielfalt der Innenstadt",
    "erreichbarkeit-mobilitaet": "Erreichbarkeit und Mobilität",
    "leerstand-brachflaechen": "Leerstand und Brachflächen",
    "qualitaet-dienstleistung-einzelhandel": "Qualität und Wettbewerbsfähigkeit von Dienstleistung und Einzelhandel",
    "digitale-innenstadt": "Digitale Innenstadt",
    "standortkooperation-management": "Standortkooperation und Innenstadt-Management",
    "image-identitaet": "Image und Identität",
}
