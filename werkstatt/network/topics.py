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

# The target groups (Zielgruppen): one vocabulary for new networks, the join page and the method filters;
# a network may add its own in the database.
TARGET_GROUPS: dict[str, str] = {
    "jugendliche": "Jugendliche",
    "kinder": "Kinder",
    "familien": "Familien",
    "senioren": "Senioren",
    "haendler": "Händler und Gewerbetreibende",
    "eigentuemer": "Eigentümer",
    "buergerschaft": "Bürgerinnen und Bürger",
    "verwaltung": "Verwaltung",
    "kernteam": "Kernteam",
    "netzwerk": "Netzwerkstädte",
}
