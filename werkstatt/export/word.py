"""The result as a Word document (python-docx), the result first: logo, title, meta table, top ideas,
project ideas with owners and next steps, participation; then the ranking, clusters, method ratings and the
agenda. python-docx writes runs as text, so user text can never become markup; text.clean drops the
characters XML cannot hold."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from werkstatt.export.figures import matrix_picture
from werkstatt.export.model import ExportData
from werkstatt.export.text import due, number, translator
from werkstatt.i18n import _n
from werkstatt.voting.matrix import matrix_png

ACCENT = RGBColor(0x0B, 0x5C, 0xAD)
MUTED = RGBColor(0x4A, 0x55, 0x60)


def _shade(cell: Any, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _table(doc: Any, header: list[str], rows: list[list[str]], widths: list[float], right: set[int]) -> Any:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    _repeat_header(table.rows[0])
    for col, title in enumerate(header):
        cell = table.rows[0].cells[col]
        cell.text = ""
        run = cell.paragraphs[0].add_run(title)
        run.bold = True
        _shade(cell, "DCE6F1")
    for values in rows:
        cells = table.add_row().cells
        for col, value in enumerate(values):
            cells[col].text = value
            if col in right:
                cells[col].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for col, width in enumerate(widths):
        for row in table.rows:
            row.cells[col].width = Cm(width)
    return table


def _page_number(paragraph: Any, label: str) -> None:
    """ "Seite N": a PAGE field Word fills in."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.add_run(f"{label} ").font.size = Pt(8.5)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _note(doc: Any, text: str) -> None:
    run = doc.add_paragraph().add_run(text)
    run.italic = True
    run.font.color.rgb = MUTED


def render_docx(data: ExportData) -> bytes:
    _ = translator(data.locale)
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10.5)
    header = section.header.paragraphs[0]
    header.text = f"{_('Ergebnisprotokoll')} · {data.title}"
    header.runs[0].font.size = Pt(8.5)
    header.runs[0].font.color.rgb = MUTED
    _page_number(section.footer.paragraphs[0], _("Seite"))
    doc.core_properties.title = f"{_('Ergebnisprotokoll')}: {data.title}"[:255]
    doc.core_properties.subject = data.town[:255]
    doc.core_properties.author = "Werkstatt"
    doc.core_properties.language = data.locale

    if data.logo is not None:
        logo = doc.add_picture(io.BytesIO(data.logo[0]), height=Cm(1.8))
        logo._inline.docPr.set("descr", _("Logo"))
    doc.add_heading(_("Ergebnisprotokoll"), level=0)
    subtitle = doc.add_paragraph()
    run = subtitle.add_run(data.title)
    run.bold = True
    run.font.size = Pt(15)
    run.font.color.rgb = ACCENT

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
    table = doc.add_table(rows=0, cols=2)
    for label, value in meta:
        if not value:
            continue
        cells = table.add_row().cells
        cells[0].text = ""
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].text = value
        cells[0].width, cells[1].width = Cm(4.2), Cm(12.4)

    top = data.top_ideas()
    doc.add_heading(_("Das Ergebnis auf einen Blick"), level=1)
    doc.add_heading(_("Top-Ideen"), level=2)
    if top:
        for idea in top:
            points = (
                "" if idea.votes is None else f" ({idea.votes} {_n('Punkt', 'Punkte', idea.votes).in_(data.locale)})"
            )
            doc.add_paragraph(f"{_('Nr.')} {idea.number} – {idea.text}{points}", style="List Number")
    else:
        doc.add_paragraph(_("Noch keine Rangfolge: Es wurde nicht abgestimmt oder die Punkte sind verdeckt."))

    doc.add_heading(_("Projektideen"), level=1)
    if not data.project_ideas:
        doc.add_paragraph(_("Keine Projektideen."))
    for project in data.project_ideas:
        doc.add_heading(project.title, level=2)
        facts = [
            (_("Status"), project.status_label),
            (_("Verantwortlich"), project.owner_name or _("noch offen")),
            (_("Schwerpunktthemen"), ", ".join(project.focus_topics)),
            (_("Aus den Karten"), "; ".join(card.text for card in project.cards)),
        ]
        for label, value in facts:
            if value:
                paragraph = doc.add_paragraph()
                paragraph.add_run(f"{label}: ").bold = True
                paragraph.add_run(value)
        if project.description:
            doc.add_paragraph(project.description)
        if project.next_steps:
            steps = [
                [str(index), step.text, due(step.due_on, data.locale), _("erledigt") if step.done else _("offen")]
                for index, step in enumerate(project.next_steps, start=1)
            ]
            doc.add_paragraph().add_run(_("Nächste Schritte")).bold = True
            _table(doc, [_("Nr."), _("Schritt"), _("fällig am"), _("Stand")], steps, [1.2, 10.0, 2.8, 2.4], {0})

    doc.add_heading(_("Beteiligung nach Zielgruppe"), level=1)
    if data.participation:
        rows = [[row.target_group or _("ohne Angabe"), str(row.count)] for row in data.participation]
        rows.append([_("Zusammen"), str(data.participants)])
        table = _table(doc, [_("Zielgruppe"), _("Personen")], rows, [8.0, 3.0], {1})
        for cell in table.rows[-1].cells:
            for run in cell.paragraphs[0].runs:
                run.bold = True
    else:
        doc.add_paragraph(_("Noch niemand hat teilgenommen."))

    doc.add_heading(_("Ideen nach Rang"), level=1)
    if data.hidden:
        _note(doc, _("Die Punkte sind noch verdeckt: Die Moderation hat sie nicht aufgedeckt."))
    if data.fixed:
        _note(doc, _("Die Moderation hat die Reihenfolge festgelegt."))
    if data.blind_cards:
        _note(doc, f"{_('Noch verdeckte Karten, hier nicht enthalten:')} {data.blind_cards}")
    if data.ideas:
        picture = matrix_picture(data, matrix_png)
        clusters = data.has_clusters
        head = [_("Rang"), _("Idee")] + ([_("Cluster")] if clusters else []) + [_("Punkte")]
        widths = [1.6, 8.6] + ([3.6] if clusters else []) + [1.6]
        if data.matrix:
            head += [f"{data.matrix.x_label} Ø", f"{data.matrix.y_label} Ø"]
            widths = [1.4, 6.6 if clusters else 9.6] + ([3.0] if clusters else []) + [1.5, 1.8, 1.8]
        if picture is not None:  # the numbers the matrix points carry
            head, widths[1] = [_("Nr."), *head], widths[1] - 1.0
            widths = [1.0, *widths]
        rows = []
        for idea in data.ideas:
            rank = "–" if idea.rank is None else f"{idea.rank}." + (" =" if idea.tie else "")
            text = idea.with_merged()
            titles = data.project_titles(idea)
            if titles:
                text += f"\n→ {_('Projektidee')}: " + ", ".join(titles)
            row = (
                ([str(idea.number)] if picture is not None else [])
                + [rank, text]
                + ([idea.cluster or ""] if clusters else [])
                + ["–" if idea.votes is None else str(idea.votes)]
            )
            if data.matrix:
                row += [number(idea.score_x, data.locale), number(idea.score_y, data.locale)]
            rows.append(row)
        first = {0, 1} if picture is not None else {0}
        _table(doc, head, rows, widths, first | set(range(len(head) - (3 if data.matrix else 1), len(head))))
        if any(idea.tie for idea in data.ideas):
            _note(doc, _("„=“ heißt: gleichauf mit einer anderen Idee."))
        if picture is not None and data.matrix is not None:
            title = f"{_('Bewertungsmatrix')}: {data.matrix.y_label} × {data.matrix.x_label}"
            doc.add_heading(title, level=2)
            shape = doc.add_picture(io.BytesIO(picture), width=Cm(14))
            caption = _("Die Zahlen in der Matrix sind die Nummern in der Tabelle „Ideen nach Rang“.")
            shape._inline.docPr.set("descr", f"{title}. {caption}")  # the picture's alternative text
            _note(doc, caption)
    else:
        doc.add_paragraph(_("Keine Karten."))

    if data.clusters:
        doc.add_heading(_("Cluster"), level=1)
        for cluster in data.clusters:
            texts = data.cluster_texts(cluster)
            paragraph = doc.add_paragraph(style="List Bullet")
            paragraph.add_run(data.cluster_heading(cluster)).bold = True
            if texts:
                paragraph.add_run(": " + "; ".join(texts))

    if data.method_ratings:
        doc.add_heading(_("Bewertung der Methoden"), level=1)
        rows = [[r.method_name, f"{r.stars}/5", r.note] for r in data.method_ratings]
        _table(doc, [_("Methode"), _("Sterne"), _("Anmerkung")], rows, [5.0, 1.8, 9.8], {1})

    if data.agenda:
        doc.add_heading(_("Ablauf der Werkstatt"), level=1)
        for step in data.agenda:
            line = f"{step.title} ({step.minutes} {_('Min.')}, {step.mechanic_label})"
            if step.method_name:
                line += f" – {_('Methode')}: {step.method_name}"
            doc.add_paragraph(line, style="List Number")

    stamp = data.generated_at.strftime("%d.%m.%Y" if data.locale == "de" else "%Y-%m-%d")
    _note(doc, f"{_('Erstellt mit Werkstatt am')} {stamp}.")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
