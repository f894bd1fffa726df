"""The result as Markdown: headings and tables, every piece of user text escaped (text.md)."""

from __future__ import annotations

from collections.abc import Callable

from werkstatt.export.model import ExportData, ExportIdea
from werkstatt.export.text import due, md, number, translator


def _table(header: list[str], rows: list[list[str]], right: set[int] | None = None) -> list[str]:
    align = ["---:" if index in (right or set()) else "---" for index in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _rank(idea: ExportIdea) -> str:
    if idea.rank is None:
        return "–"
    return f"{idea.rank}." + (" =" if idea.tie else "")


def render_md(data: ExportData) -> bytes:
    _ = translator(data.locale)
    until = _("bis")
    out: list[str] = [f"# {_('Ergebnisprotokoll')}: {md(data.title)}", ""]
    meta = [
        (_("Stadt"), data.town),
        (_("Netzwerk"), data.network),
        (_("Datum"), data.date_label),
        (_("Veranstaltungsort"), data.place),
        (_("Format"), data.format_label),
        (_("Moderation"), data.moderation or ""),
        (_("Schwerpunktthemen"), ", ".join(data.focus_topics)),
        (_("Teilnehmende"), str(data.participants)),
    ]
    out += [f"- **{label}:** {md(value)}" for label, value in meta if value]
    out.append("")
    if data.agenda:
        out += [f"## {_('Ablauf der Werkstatt')}", ""]
        for step in data.agenda:
            method = f" – {_('Methode')}: {md(step.method_name)}" if step.method_name else ""
            out.append(
                f"{step.position + 1}. {md(step.title)} ({step.minutes} {_('Min.')}, {md(step.mechanic_label)}){method}"
            )
        out.append("")

    out += [f"## {_('Ideen nach Rang')}", ""]
    if data.hidden:
        out += [f"_{_('Die Punkte sind noch verdeckt: Die Moderation hat sie nicht aufgedeckt.')}_", ""]
    if data.fixed:
        out += [f"_{_('Die Moderation hat die Reihenfolge festgelegt.')}_", ""]
    if data.blind_cards:
        out += [f"_{_('Noch verdeckte Karten, hier nicht enthalten:')} {data.blind_cards}_", ""]
    if data.ideas:
        columns: list[tuple[str, bool, Callable[[ExportIdea], str]]] = [
            (_("Nr."), True, lambda i: str(i.number)),
            (_("Rang"), False, _rank),
            (_("Idee"), False, lambda i: md(i.with_merged(" "))),
        ]
        if data.has_clusters:
            columns.append((_("Cluster"), False, lambda i: md(i.cluster)))
        columns.append((_("Punkte"), True, lambda i: "–" if i.votes is None else str(i.votes)))
        if data.matrix:
            columns += [
                (f"{md(data.matrix.x_label)} (Ø)", True, lambda i: number(i.score_x, data.locale)),
                (f"{md(data.matrix.y_label)} (Ø)", True, lambda i: number(i.score_y, data.locale)),
            ]
        columns.append((_("Projektidee"), False, lambda i: md(", ".join(data.project_titles(i)))))
        rows = [[cell(idea) for _title, _right, cell in columns] for idea in data.ideas]
        right = {index for index, (_title, flush, _cell) in enumerate(columns) if flush}
        out += _table([title for title, _right, _cell in columns], rows, right)
        if any(idea.tie for idea in data.ideas):
            out += [f"_{_('„=“ heißt: gleichauf mit einer anderen Idee.')}_", ""]
    else:
        out += [_("Keine Karten."), ""]

    if data.clusters:
        out += [f"## {_('Cluster')}", ""]
        for cluster in data.clusters:
            texts = data.cluster_texts(cluster)
            line = f"- **{md(data.cluster_heading(cluster))}**"
            out.append(line + (": " + "; ".join(md(text) for text in texts) if texts else ""))
        out.append("")

    out += [f"## {_('Projektideen')}", ""]
    if not data.project_ideas:
        out += [_("Keine Projektideen."), ""]
    for project in data.project_ideas:
        out += [f"### {md(project.title)}", ""]
        out.append(f"- **{_('Status')}:** {md(project.status_label)}")
        out.append(f"- **{_('Verantwortlich')}:** {md(project.owner_name) if project.owner_name else _('noch offen')}")
        if project.focus_topics:
            out.append(f"- **{_('Schwerpunktthemen')}:** {md(', '.join(project.focus_topics))}")
        if project.cards:
            out.append(f"- **{_('Aus den Karten')}:** " + "; ".join(md(card.text) for card in project.cards))
        out.append("")
        if project.description:
            out += [md(project.description), ""]
        if project.next_steps:
            out += [f"**{_('Nächste Schritte')}**", ""]
            for next_step in project.next_steps:
                when = f" ({until} {due(next_step.due_on, data.locale)})" if next_step.due_on else ""
                out.append(f"- [{'x' if next_step.done else ' '}] {md(next_step.text)}{when}")
            out.append("")

    out += [f"## {_('Beteiligung nach Zielgruppe')}", ""]
    if data.participation:
        rows = [
            [md(row.target_group) if row.target_group else _("ohne Angabe"), str(row.count)]
            for row in data.participation
        ]
        rows.append([f"**{_('Zusammen')}**", f"**{data.participants}**"])
        out += _table([_("Zielgruppe"), _("Personen")], rows, {1})
    else:
        out += [_("Noch niemand hat teilgenommen."), ""]

    if data.method_ratings:
        out += [f"## {_('Bewertung der Methoden')}", ""]
        rows = [[md(r.method_name), f"{r.stars}/5", md(r.note)] for r in data.method_ratings]
        out += _table([_("Methode"), _("Sterne"), _("Anmerkung")], rows, {1})

    stamp = data.generated_at.strftime("%d.%m.%Y" if data.locale == "de" else "%Y-%m-%d")
    out += ["---", "", f"_{_('Erstellt mit Werkstatt am')} {stamp}._", ""]
    return "\n".join(out).encode("utf-8")
