"""Demo data for the embedded mode: idempotent, believable, fictional.

A network like the Saxon "Lust auf Innenstadt": seven Erzgebirge towns, each with a Kernteam of invented people
and two to four chosen focus topics. Running it again adds what is missing and changes nothing else."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from werkstatt.catalogue.service import sync_methods
from werkstatt.db import create_engine, create_sessionmaker
from werkstatt.demo_workshops import load_demo_workshops
from werkstatt.network.models import (
    FocusTopic,
    KernteamMember,
    KernteamRole,
    Network,
    Role,
    TargetGroup,
    Town,
    TownFocusTopic,
)
from werkstatt.network.service import create_account, find_account, slugify, topic_slug
from werkstatt.network.topics import TARGET_GROUPS

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.settings import Settings

NETWORK = "Lust auf Innenstadt"
NETWORK_DESCRIPTION = (
    "Städtenetzwerk im Erzgebirge: Verwaltung und Gewerbe arbeiten mit einer Projektbegleitung an lebendigen "
    "Innenstädten und tauschen sich reihum in Erfahrungsaustauschen aus."
)
TOPICS = [
    "Funktionsvielfalt der Innenstadt",
    "Erreichbarkeit und Mobilität",
    "Leerstand und Brachflächen",
    "Qualität und Wettbewerbsfähigkeit von Dienstleistung und Einzelhandel",
    "Digitale Innenstadt",
    "Standortkooperation und Innenstadt-Management",
    "Image und Identität",
]

V, G, M, E, S = (
    KernteamRole.verwaltung,
    KernteamRole.gewerbe,
    KernteamRole.stadtmarketing,
    KernteamRole.eigentuemer,
    KernteamRole.sonstige,
)

# town → (description, [(topic index, priority, note)], [(name, role, organisation)]); all people are invented.
TOWNS: dict[str, tuple[str, list[tuple[int, int, str]], list[tuple[str, KernteamRole, str]]]] = {
    "Annaberg-Buchholz": (
        "Bergstadt mit Marktplatz, St. Annenkirche und lebendiger Adventszeit.",
        [
            (2, 1, "Leerstehende Ladenlokale in der Buchholzer Straße wieder beleben."),
            (6, 2, "Bergbautradition als Marke für die ganze Innenstadt."),
            (4, 3, "Gemeinsamer Online-Schaufensterbummel der Händler."),
        ],
        [
            ("Sabine Lorenz", V, "Stadtverwaltung, Wirtschaftsförderung"),
            ("Thomas Richter", G, "Gewerbeverein Annaberg"),
            ("Claudia Meinel", M, "Tourist-Information"),
        ],
    ),
    "Marienberg": (
        "Planstadt der Renaissance mit großzügigem Marktplatz.",
        [
            (0, 1, "Mehr Gründe, den Markt auch nach 18 Uhr zu besuchen."),
            (1, 2, "Parkleitsystem und sichere Radwege ins Zentrum."),
        ],
        [
            ("Jens Uhlig", V, "Bauamt"),
            ("Petra Schubert", G, "Händlergemeinschaft Marienberg"),
            ("Maik Börner", E, "Eigentümer am Markt"),
        ],
    ),
    "Olbernhau": (
        "Stadt der sieben Täler, Spielzeug- und Kunsthandwerkstradition.",
        [
            (3, 1, "Service-Offensive: gemeinsame Öffnungszeiten und Lieferdienst."),
            (6, 2, "Kunsthandwerk sichtbar machen – von der Werkstatt bis zum Schaufenster."),
            (5, 3, "Ein Citymanagement für Olbernhau prüfen."),
        ],
        [
            ("Anja Kaden", V, "Stadtverwaltung"),
            ("Ronny Seidel", G, "Werbegemeinschaft Olbernhau"),
            ("Ute Fiedler", S, "Kinder- und Jugendhaus"),
        ],
    ),
    "Zschopau": (
        "Motorradstadt an der Zschopau mit Schloss Wildeck.",
        [
            (2, 1, "Zwischennutzung für das ehemalige Kaufhaus am Neumarkt."),
            (0, 2, "Wohnen, Arbeiten und Einkaufen in der Altstadt zusammenbringen."),
            (4, 3, "Freies WLAN und digitale Stadtinformation."),
            (1, 4, "Anbindung des Bahnhofs an die Altstadt verbessern."),
        ],
        [
            ("Katrin Heinig", V, "Stadtverwaltung, Stadtentwicklung"),
            ("Frank Müller", G, "Gewerbeverein Zschopau"),
            ("Lea Schreiter", M, "Stadtmarketing"),
        ],
    ),
    "Schwarzenberg": (
        "Perle des Erzgebirges mit Schloss und historischer Altstadt auf dem Felssporn.",
        [
            (1, 1, "Barrierefreier Weg zwischen Unterstadt und Altstadt."),
            (6, 2, "Altstadt und Schloss als gemeinsames Erlebnis vermarkten."),
        ],
        [
            ("Heike Ullmann", V, "Stadtverwaltung"),
            ("Dirk Weigel", G, "Händlerverein Altstadt"),
            ("Marlies Kühn", E, "Haus- und Grundbesitzerverein"),
        ],
    ),
    "Aue-Bad Schlema": (
        "Doppelstadt aus Industriestadt und Kurort.",
        [
            (5, 1, "Gemeinsames Innenstadt-Management für beide Ortsteile."),
            (3, 2, "Einzelhandel und Kurgäste zusammenbringen."),
            (0, 3, "Mehr Aufenthaltsqualität auf dem Altmarkt."),
        ],
        [
            ("Stefan Krauß", V, "Stadtverwaltung, Citymanagement"),
            ("Nadine Günther", G, "Werbegemeinschaft Aue"),
            ("Paul Hennig", S, "Jugendbeirat"),
        ],
    ),
    "Oelsnitz/Erzgeb.": (
        "Bergbaustadt mit Museum und neu gestaltetem Stadtzentrum.",
        [
            (2, 1, "Leerstände an der Rudolf-Breitscheid-Straße kartieren und vermitteln."),
            (4, 2, "Lokaler Online-Marktplatz mit Abholstation."),
        ],
        [
            ("Birgit Franke", V, "Stadtverwaltung"),
            ("Uwe Lange", G, "Gewerbeverein Oelsnitz"),
        ],
    ),
}

DEMO_ACCOUNTS = [
    ("admin@werkstatt.example", Role.admin, "Demo-Admin", False),
    ("netzwerk@werkstatt.example", Role.network_admin, "Jana Demo (Netzwerk-Admin)", True),
    ("coach@werkstatt.example", Role.coach, "Katrin Demo (Projektcoach)", True),
    ("kernteam@werkstatt.example", Role.kernteam, "Sabine Lorenz", True),
]


async def _network(db: AsyncSession) -> Network:
    network = (await db.execute(select(Network).where(Network.slug == slugify(NETWORK)))).scalar_one_or_none()
    if network is None:
        network = Network(name=NETWORK, slug=slugify(NETWORK), description=NETWORK_DESCRIPTION)
        db.add(network)
        await db.flush()
    return network


async def _topics(db: AsyncSession, network: Network) -> list[FocusTopic]:
    existing = {
        topic.name: topic
        for topic in (await db.execute(select(FocusTopic).where(FocusTopic.network_id == network.id))).scalars()
    }
    topics = []
    for position, name in enumerate(TOPICS):
        topic = existing.get(name)
        if topic is None:
            topic = FocusTopic(network_id=network.id, name=name, slug=topic_slug(name, set()), position=position)
            db.add(topic)
        topics.append(topic)
    groups = set((await db.execute(select(TargetGroup.slug).where(TargetGroup.network_id == network.id))).scalars())
    for position, (slug, name) in enumerate(TARGET_GROUPS.items()):  # the catalogue's vocabulary
        if slug not in groups:
            db.add(TargetGroup(network_id=network.id, name=name, slug=slug, position=position))
    await db.flush()
    return topics


async def _towns(db: AsyncSession, network: Network, topics: list[FocusTopic]) -> dict[str, Town]:
    existing = {
        town.name: town for town in (await db.execute(select(Town).where(Town.network_id == network.id))).scalars()
    }
    towns: dict[str, Town] = {}
    for name, (description, chosen, people) in TOWNS.items():
        town = existing.get(name)
        if town is None:
            town = Town(network_id=network.id, name=name, description=description)
            db.add(town)
            await db.flush()
            for index, priority, note in chosen:
                db.add(TownFocusTopic(town_id=town.id, focus_topic_id=topics[index].id, priority=priority, note=note))
            for person, role, organisation in people:
                db.add(KernteamMember(town_id=town.id, display_name=person, role=role, organisation=organisation))
        towns[name] = town
    await db.flush()
    return towns


async def load_demo(settings: Settings) -> list[str]:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as db:
            network = await _network(db)
            topics = await _topics(db, network)
            towns = await _towns(db, network, topics)
            for email, role, name, in_network in DEMO_ACCOUNTS:
                account = await find_account(db, email)
                if account is None:
                    account = await create_account(
                        db, email, role, name, settings.demo_password, network.id if in_network else None
                    )
                elif in_network and account.network_id is None:
                    account.network_id = network.id
            kernteam_account = await find_account(db, "kernteam@werkstatt.example")
            member = (
                await db.execute(
                    select(KernteamMember).where(
                        KernteamMember.town_id == towns["Annaberg-Buchholz"].id,
                        KernteamMember.display_name == "Sabine Lorenz",
                    )
                )
            ).scalar_one_or_none()
            if member is not None and kernteam_account is not None and member.account_id is None:
                member.account_id = kernteam_account.id
            await db.commit()
            coach = await find_account(db, "coach@werkstatt.example")
            if coach is not None:
                await sync_methods(db)  # the demo workshops are planned from the shipped methods
                await load_demo_workshops(db, coach, towns)
                await db.commit()
    finally:
        await engine.dispose()
    return [
        "Demodaten geladen.",
        f"Demo-Coach: coach@werkstatt.example / {settings.demo_password}",
        f"Demo-Admin: admin@werkstatt.example / {settings.demo_password}",
        f"Demo-Netzwerk-Admin: netzwerk@werkstatt.example / {settings.demo_password}",
        f"Demo-Kernteam: kernteam@werkstatt.example / {settings.demo_password}",
    ]
