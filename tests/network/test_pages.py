"""The organisation pages: overview, town page, editing a town's focus topics, administration forms with German
field errors that store nothing, and script payloads in every name field rendered as text."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import sign_in
from tests.html import by_id, parse, text_of
from tests.network.conftest import Org, post_form
from werkstatt.network.models import (
    Account,
    FocusTopic,
    Invitation,
    KernteamMember,
    Network,
    TargetGroup,
    Town,
    TownFocusTopic,
)
from werkstatt.settings import Settings

PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


async def count(db: AsyncSession, model: Any) -> int:
    await db.commit()
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_overview_and_town_page(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    town = org.a.towns[0]
    db.add_all(
        [
            TownFocusTopic(town_id=town.id, focus_topic_id=org.a.topics[1].id, priority=2, note="Bus bis 22 Uhr"),
            TownFocusTopic(town_id=town.id, focus_topic_id=org.a.topics[0].id, priority=1, note="Ladenlokal Markt 3"),
        ]
    )
    await db.commit()
    await sign_in(client, db, settings, org.accounts["kernteam"])
    overview = await client.get("/netzwerk")
    assert overview.status_code == 200
    assert text_of(overview.text, "h1") == org.a.network.name
    cards = parse(overview.text).select("#town-list > li")
    assert [card.h3.get_text(strip=True) for card in cards] == ["Annaberg-Buchholz", "Zschopau"]
    assert [chip.get_text(strip=True) for chip in cards[0].select(".topic-chips li")] == [
        "Leerstand und Brachflächen",
        "Erreichbarkeit und Mobilität",
    ]
    assert parse(overview.text).select_one("a[href^='/verwaltung']") is None, "a Kernteam member does not administer"
    nav = parse(overview.text).select_one("nav.main-nav a[aria-current=page]")
    assert nav is not None and nav.get_text(strip=True) == "Netzwerk"

    page = await client.get(f"/staedte/{town.id}")
    topics = parse(page.text).select("#town-topics > li")
    assert [item.strong.get_text(strip=True) for item in topics] == [
        "Leerstand und Brachflächen",
        "Erreichbarkeit und Mobilität",
    ]
    assert topics[0].select_one(".note").get_text(strip=True) == "Ladenlokal Markt 3"
    assert "Priorität 1" in topics[0].select_one(".priority").get_text(" ", strip=True)
    assert "Verwaltung" in text_of(page.text, "#kernteam-list")
    assert parse(page.text).select_one("a[href$='/schwerpunkte']") is None


async def test_coach_edits_a_towns_focus_topics(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    town, (first, second, third) = org.a.towns[1], org.a.topics
    await sign_in(client, db, settings, org.accounts["coach"])
    form = await client.get(f"/staedte/{town.id}/schwerpunkte")
    assert form.status_code == 200
    assert len(parse(form.text).select("#town-topics-form fieldset")) == 3
    url = f"/staedte/{town.id}/schwerpunkte"

    bad_cases = [
        ({"topic": str(first.id), f"priority-{first.id}": "0"}, f"f-priority-{first.id}-error"),
        ({"topic": str(first.id), f"priority-{first.id}": "zwei"}, f"f-priority-{first.id}-error"),
        ({"topic": str(first.id), f"note-{first.id}": "x" * 501}, f"f-note-{first.id}-error"),
        ({"topic": str(first.id), f"note-{first.id}": "a\x00b"}, f"f-note-{first.id}-error"),
    ]
    for data, error_id in bad_cases:
        response = await post_form(client, url, data)
        assert response.status_code == 422, data
        assert text_of(response.text, f"#{error_id}")
        assert by_id(response.text, f"f-topic-{first.id}").has_attr("checked"), "the choice is kept"
    unknown = await post_form(client, url, {"topic": str(org.b.topics[0].id)})
    assert unknown.status_code == 422
    assert "Unbekanntes Schwerpunktthema." in text_of(unknown.text, "[role=alert]")
    assert await count(db, TownFocusTopic) == 0

    saved = await client.post(
        url,
        data={
            "_csrf_token": client.cookies["csrftoken"],
            "topic": [str(third.id), str(second.id)],
            f"priority-{third.id}": "1",
            f"note-{third.id}": "  Freies WLAN am Neumarkt  ",
            f"priority-{second.id}": "3",
            f"note-{first.id}": "nicht gewählt, wird ignoriert",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    rows = (
        await db.execute(
            select(TownFocusTopic).where(TownFocusTopic.town_id == town.id).order_by(TownFocusTopic.priority)
        )
    ).scalars()
    assert [(row.focus_topic_id, row.priority, row.note) for row in rows] == [
        (third.id, 1, "Freies WLAN am Neumarkt"),
        (second.id, 3, ""),
    ]
    again = await client.get(url)
    assert by_id(again.text, f"f-topic-{third.id}").has_attr("checked")
    assert not by_id(again.text, f"f-topic-{first.id}").has_attr("checked")


async def test_admin_forms_give_german_field_errors_and_store_nothing(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    await sign_in(client, db, settings, org.accounts["admin"])
    net = org.a.network.id
    before = [await count(db, model) for model in (Network, Town, FocusTopic, TargetGroup, KernteamMember)]
    cases = [
        (f"/verwaltung/{net}/staedte", {"town_name": "zschopau"}, "town_name", "gibt es im Netzwerk schon"),
        (f"/verwaltung/{net}/staedte", {"town_name": "   "}, "town_name", "Bitte einen Namen angeben."),
        (f"/verwaltung/{net}/staedte", {"town_name": "x" * 121}, "town_name", "Höchstens 120 Zeichen"),
        (f"/verwaltung/{net}/schwerpunkte", {"topic_name": org.a.topics[0].name.upper()}, "topic_name", "gibt es"),
        (f"/verwaltung/{net}/schwerpunkte", {"topic_name": ""}, "topic_name", "Bitte einen Namen angeben."),
        (f"/verwaltung/{net}/zielgruppen", {"group_name": "familien"}, "group_name", "gibt es"),
        (f"/verwaltung/{net}/zielgruppen", {"group_name": "g" * 81}, "group_name", "Höchstens 80 Zeichen"),
        ("/verwaltung/netzwerke", {"network_name": org.b.network.name}, "network_name", "gibt es schon"),
        (f"/verwaltung/{net}/staedte/{org.a.towns[0].id}", {"name": "Zschopau"}, "name", "gibt es im Netzwerk schon"),
        (
            f"/verwaltung/{net}/staedte/{org.a.towns[0].id}",
            {"name": "Ok", "description": "d" * 2001},
            "description",
            "2000",
        ),
        (
            f"/verwaltung/{net}/schwerpunkte/{org.a.topics[0].id}",
            {"name": org.a.topics[1].name},
            "name",
            "gibt es",
        ),
        (
            f"/staedte/{org.a.towns[0].id}/kernteam",
            {"member_name": "", "member_role": "verwaltung"},
            "member_name",
            "Namen",
        ),
        (
            f"/staedte/{org.a.towns[0].id}/kernteam",
            {"member_name": "Eva", "member_role": "chef"},
            "member_role",
            "erlaubt",
        ),
    ]
    for url, data, field, message in cases:
        response = await post_form(client, url, data)
        assert response.status_code == 422, (url, data, response.status_code)
        assert message in text_of(response.text, f"#f-{field}-error"), (url, data)
        assert by_id(response.text, f"f-{field}")["aria-invalid"] == "true"
        assert text_of(response.text, "[role=alert]").startswith("Bitte prüfen Sie die markierten Felder.")
    after = [await count(db, model) for model in (Network, Town, FocusTopic, TargetGroup, KernteamMember)]
    assert after == before
    await db.refresh(org.a.towns[0])
    assert org.a.towns[0].name == "Annaberg-Buchholz"


async def test_admin_creates_renames_and_deletes(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    await sign_in(client, db, settings, org.accounts["network_admin"])
    net = org.a.network.id
    created = await post_form(client, f"/verwaltung/{net}/staedte", {"town_name": "Marienberg"})
    assert created.status_code == 303
    town = (await db.execute(select(Town).where(Town.name == "Marienberg"))).scalar_one()
    assert created.headers["location"].startswith(f"/verwaltung/{net}/staedte/{town.id}")
    renamed = await post_form(
        client, f"/verwaltung/{net}/staedte/{town.id}", {"name": "Marienberg (Erzgeb.)", "description": "Planstadt"}
    )
    assert renamed.status_code == 303
    await db.refresh(town)
    assert (town.name, town.description) == ("Marienberg (Erzgeb.)", "Planstadt")
    member = await post_form(
        client,
        f"/staedte/{town.id}/kernteam",
        {"member_name": "Jens Uhlig", "member_role": "verwaltung", "member_organisation": "Bauamt"},
    )
    assert member.status_code == 303
    assert "Jens Uhlig" in text_of((await client.get(f"/staedte/{town.id}")).text, "#kernteam-list")
    topic = await post_form(client, f"/verwaltung/{net}/schwerpunkte", {"topic_name": "Grün in der Stadt"})
    assert topic.status_code == 303
    assert "Grün in der Stadt" in text_of((await client.get(f"/verwaltung/{net}")).text, "#admin-topic-list")
    deleted = await post_form(client, f"/verwaltung/{net}/staedte/{town.id}/loeschen", {})
    assert deleted.status_code == 303
    assert await db.scalar(select(func.count()).where(Town.name.like("Marienberg%"))) == 0
    assert (
        await db.scalar(
            select(func.count()).select_from(KernteamMember).where(KernteamMember.display_name == "Jens Uhlig")
        )
        == 0
    )


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_script_payloads_in_every_name_field_render_as_text(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org, payload: str
) -> None:
    admin = org.accounts["admin"]
    await sign_in(client, db, settings, admin)
    net = org.a.network.id
    town = org.a.towns[0]
    posts = [
        ("/verwaltung/netzwerke", {"network_name": f"Netz {payload}"}),
        (f"/verwaltung/{net}/staedte", {"town_name": f"Stadt {payload}"}),
        (f"/verwaltung/{net}/staedte/{town.id}", {"name": f"Annaberg {payload}", "description": f"Text {payload}"}),
        (f"/verwaltung/{net}/schwerpunkte", {"topic_name": f"Thema {payload}"}),
        (f"/verwaltung/{net}/zielgruppen", {"group_name": f"Gruppe {payload}"[:80]}),
        (
            f"/staedte/{town.id}/kernteam",
            {"member_name": f"Person {payload}", "member_role": "gewerbe", "member_organisation": f"Verein {payload}"},
        ),
        (
            f"/verwaltung/{net}/einladungen",
            {"email": "x@example.org", "role": "coach", "display_name": f"Gast {payload}"},
        ),
        ("/profil/schluessel", {"token_name": f"Schlüssel {payload}"[:80]}),
        ("/profil", {"display_name": f"Admin {payload}", "locale": "de"}),
    ]
    for url, data in posts:
        response = await post_form(client, url, data)
        assert response.status_code in {201, 303}, (url, response.status_code, response.text[:500])
    topic = (await db.execute(select(FocusTopic).where(FocusTopic.name.like("Thema %")))).scalar_one()
    chosen = await post_form(
        client,
        f"/staedte/{town.id}/schwerpunkte",
        {"topic": str(topic.id), f"priority-{topic.id}": "1", f"note-{topic.id}": f"Notiz {payload}"},
    )
    assert chosen.status_code == 303
    await db.commit()
    invitation = (await db.execute(select(Invitation))).scalar_one()
    assert invitation.display_name == f"Gast {payload}"
    assert (
        await db.execute(select(Account.display_name).where(Account.id == admin.id))
    ).scalar_one() == f"Admin {payload}"
    other = (await db.execute(select(Network).where(Network.name.like("Netz %")))).scalar_one()

    pages = [
        "/netzwerk",
        f"/netzwerk/{net}",
        f"/staedte/{town.id}",
        f"/staedte/{town.id}/schwerpunkte",
        f"/staedte/{town.id}/kernteam",
        "/verwaltung",
        f"/verwaltung/{net}",
        f"/verwaltung/{net}/staedte/{town.id}",
        f"/verwaltung/{net}/konten",
        f"/verwaltung/{net}/schwerpunkte/{topic.id}",
        f"/verwaltung/{other.id}",
        "/profil",
    ]
    for url in pages:
        for headers in ({}, {"hx-request": "true"}):
            response = await client.get(url, headers=headers)
            assert response.status_code == 200, url
            soup = parse(response.text)
            injected = [s for s in soup.find_all("script") if not s.get("src")] + soup.find_all("img", onerror=True)
            assert injected == [], url
            assert payload in soup.get_text(), url


async def test_coach_links_a_kernteam_member_to_the_account_they_log_in_with(
    client: AsyncTestClient[Any], db: AsyncSession, settings: Settings, org: Org
) -> None:
    town, other_town = org.a.towns
    kim = KernteamMember(town_id=town.id, display_name="Kim Verwaltung")
    jo = KernteamMember(town_id=other_town.id, display_name="Jo Gewerbe")
    db.add_all([kim, jo])
    await db.commit()
    member_account = org.accounts["kernteam"]
    await sign_in(client, db, settings, org.accounts["coach"])
    page = parse((await client.get(f"/staedte/{town.id}/kernteam")).text)
    choices = [option.get("value") for option in page.select(f"#f-account-{kim.id} option")]
    assert choices == ["", str(member_account.id)], "only the network's Kernteam accounts"

    url = f"/staedte/{town.id}/kernteam/{kim.id}/konto"
    linked = await post_form(client, url, {"account_id": str(member_account.id)})
    assert linked.status_code == 303
    await db.refresh(kim)
    assert kim.account_id == member_account.id
    # one account, one member; a coach's account or another network's is no Kernteam account
    taken = await post_form(
        client, f"/staedte/{other_town.id}/kernteam/{jo.id}/konto", {"account_id": str(member_account.id)}
    )
    assert taken.status_code == 422 and "gehört schon zu Kim Verwaltung" in taken.text
    for wrong in (org.accounts["coach"].id, org.accounts["other_coach"].id, "kein-uuid"):
        refused = await post_form(client, url, {"account_id": str(wrong)})
        assert refused.status_code == 422 and "Kein Kernteam-Konto dieses Netzwerks." in refused.text
    assert (
        await post_form(client, f"/staedte/{other_town.id}/kernteam/{kim.id}/konto", {"account_id": ""})
    ).status_code == 404
    await db.refresh(kim)
    await db.refresh(jo)
    assert (kim.account_id, jo.account_id) == (member_account.id, None), "refusals changed nothing"
    unlinked = await post_form(client, url, {"account_id": ""})
    assert unlinked.status_code == 303
    await db.refresh(kim)
    assert kim.account_id is None

    await sign_in(client, db, settings, member_account)  # the Kernteam itself cannot relink
    assert (await post_form(client, url, {"account_id": str(member_account.id)})).status_code in {403, 404}
