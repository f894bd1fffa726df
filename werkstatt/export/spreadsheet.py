"""The result as tables: CSV (one row per idea) and an Excel workbook (XlsxWriter).

CSV is made for a German Excel opened by double click: semicolon as separator and decimal comma (German
Excel's list separator is ";" because "," is the decimal mark), UTF-8 with a byte order mark so that
umlauts survive, CRLF line ends. An English export uses "," and ".". Every text cell that starts with
= + - @ tab or CR gets a leading apostrophe (text.neutralise), in the CSV and in the workbook; the workbook
writes text only with `write_string` and numbers with `write_number`, never a formula."""

from __future__ import annotations

import csv
import io
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

from werkstatt.export.model import ExportData, ExportIdea
from werkstatt.export.text import clean, due, neutralise, number, translator


def _cell(value: str | None) -> str:
    return neutralise(clean(value))


def _idea_header(data: ExportData) -> list[str]:
    _ = translator(data.locale)
    x_label = data.matrix.x_label if data.matrix else _("Aufwand")
    y_label = data.matrix.y_label if data.matrix else _("Nutzen")
    return [
        _("Rang"),
        _("Gleichauf"),
        _("Idee"),
        _("Cluster"),
        _("Punkte"),
        f"{x_label} (Ø)",
        f"{y_label} (Ø)",
        _("Projektidee"),
    ]


def render_csv(data: ExportData) -> bytes:
    _ = translator(data.locale)
    german = data.locale == "de"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if german else ",", lineterminator="\r\n")
    writer.writerow([_cell(cell) for cell in _idea_header(data)])
    for idea in data.ideas:
        writer.writerow(
            [
                "" if idea.rank is None else str(idea.rank),
                _("ja") if idea.tie else "",
                _cell(idea.with_merged()),
                _cell(idea.cluster),
                "" if idea.votes is None else str(idea.votes),
                "" if idea.score_x is None else number(idea.score_x, data.locale, 2),
                "" if idea.score_y is None else number(idea.score_y, data.locale, 2),
                _cell(", ".join(data.project_titles(idea))),
            ]
        )
    if data.cluster_voting:  # the clusters' result below the cards: one row per cluster, its cards in "Idee"
        for cluster in data.clusters:
            writer.writerow(
                [
                    "" if cluster.rank is None else str(cluster.rank),
                    _("ja") if cluster.tie else "",
                    _cell(_("Cluster") + f" „{cluster.name}“: " + "; ".join(data.cluster_texts(cluster))),
                    _cell(cluster.name),
                    "" if cluster.votes is None else str(cluster.votes),
                    "" if cluster.score_x is None else number(cluster.score_x, data.locale, 2),
                    "" if cluster.score_y is None else number(cluster.score_y, data.locale, 2),
                    "",
                ]
            )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


class _Sheet:
    """One worksheet: text through write_string (neutralised), numbers through write_number."""

    def __init__(self, book: Any, name: str, formats: dict[str, Any]) -> None:
        self.ws = book.add_worksheet(name)
        self.formats = formats

    def header(self, row: int, titles: list[str], widths: list[float]) -> None:
        for col, (title, width) in enumerate(zip(titles, widths, strict=True)):
            self.ws.write_string(row, col, _cell(title), self.formats["header"])
            self.ws.set_column(col, col, width)

    def text(self, row: int, col: int, value: str | None, fmt: str = "wrap") -> None:
        if value:
            self.ws.write_string(row, col, _cell(value), self.formats[fmt])
        else:
            self.ws.write_blank(row, col, None, self.formats[fmt])

    def number(self, row: int, col: int, value: float | None, fmt: str = "int") -> None:
        if value is None:
            self.ws.write_blank(row, col, None, self.formats[fmt])
        else:
            self.ws.write_number(row, col, value, self.formats[fmt])

    def table(self, last_row: int, last_col: int) -> None:
        self.ws.freeze_panes(1, 0)
        self.ws.autofilter(0, 0, max(last_row, 0), last_col)


def render_xlsx(data: ExportData) -> bytes:
    _ = translator(data.locale)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    book.set_properties(
        {"title": _cell(f"{_('Ergebnisprotokoll')}: {data.title}"), "subject": _cell(data.town), "author": "Werkstatt"}
    )
    base = {"valign": "top", "font_name": "Calibri", "font_size": 11}
    formats = {
        "header": book.add_format({**base, "bold": True, "bg_color": "#DCE6F1", "bottom": 1, "text_wrap": True}),
        "wrap": book.add_format({**base, "text_wrap": True}),
        "plain": book.add_format(base),
        "int": book.add_format({**base, "num_format": "0"}),
        "score": book.add_format({**base, "num_format": "0.00"}),
        "bold": book.add_format({**base, "bold": True}),
        "bold_int": book.add_format({**base, "bold": True, "num_format": "0"}),
        "title": book.add_format({**base, "bold": True, "font_size": 14}),
    }
    _ideas_sheet(book, formats, data)
    _projects_sheet(book, formats, data)
    _participation_sheet(book, formats, data)
    _workshop_sheet(book, formats, data)
    _matrix_sheet(book, formats, data)
    _clusters_sheet(book, formats, data)
    book.close()
    return buffer.getvalue()


def _ideas_sheet(book: Any, formats: dict[str, Any], data: ExportData) -> None:
    _ = translator(data.locale)
    sheet = _Sheet(book, _("Ideen"), formats)
    sheet.header(0, [_("Nr."), *_idea_header(data)], [6, 7, 11, 60, 24, 9, 14, 14, 36])
    idea: ExportIdea
    for row, idea in enumerate(data.ideas, start=1):
        sheet.number(row, 0, idea.number)
        sheet.number(row, 1, idea.rank)
        sheet.text(row, 2, _("ja") if idea.tie else None, "plain")
        sheet.text(row, 3, idea.with_merged())
        sheet.text(row, 4, idea.cluster)
        sheet.number(row, 5, idea.votes)
        sheet.number(row, 6, idea.score_x, "score")
        sheet.number(row, 7, idea.score_y, "score")
        sheet.text(row, 8, ", ".join(data.project_titles(idea)))
    sheet.table(len(data.ideas), 8)
    notes = []
    if data.hidden:
        notes.append(_("Die Punkte sind noch verdeckt: Die Moderation hat sie nicht aufgedeckt."))
    if data.blind_cards:
        notes.append(f"{_('Noch verdeckte Karten, hier nicht enthalten:')} {data.blind_cards}")
    for offset, note in enumerate(notes, start=len(data.ideas) + 2):
        sheet.text(offset, 3, note, "plain")


def _clusters_sheet(book: Any, formats: dict[str, Any], data: ExportData) -> None:
    """The clusters' result (where the agenda voted, ranked or rated clusters): rank, dots, their cards."""
    if not data.cluster_voting:
        return
    _ = translator(data.locale)
    header = _idea_header(data)
    sheet = _Sheet(book, _("Cluster"), formats)
    sheet.header(
        0,
        [header[0], header[1], _("Cluster"), _("Karten"), header[4], header[5], header[6]],
        [7, 11, 28, 70, 9, 14, 14],
    )
    for row, cluster in enumerate(data.clusters, start=1):
        sheet.number(row, 0, cluster.rank)
        sheet.text(row, 1, _("ja") if cluster.tie else None, "plain")
        sheet.text(row, 2, cluster.name)
        sheet.text(row, 3, "\n".join(data.cluster_texts(cluster)))
        sheet.number(row, 4, cluster.votes)
        sheet.number(row, 5, cluster.score_x, "score")
        sheet.number(row, 6, cluster.score_y, "score")
    sheet.table(len(data.clusters), 6)


def _matrix_sheet(book: Any, formats: dict[str, Any], data: ExportData) -> None:
    """The rating matrix as a native scatter chart over the Ideen sheet's two averages, each point labelled
    with its Nr. (as in the PDF); the axes cross in the middle of the scale, which draws the four quadrants."""
    if data.matrix is None or not any(i.score_x is not None and i.score_y is not None for i in data.ideas):
        return
    _ = translator(data.locale)
    ideas, last = _("Ideen"), len(data.ideas)
    middle = (1 + data.matrix.scale) / 2
    chart = book.add_chart({"type": "scatter"})
    chart.add_series(
        {
            "name": _cell(f"{data.matrix.x_label} / {data.matrix.y_label}"),
            "categories": [ideas, 1, 6, last, 6],
            "values": [ideas, 1, 7, last, 7],
            "marker": {"type": "circle", "size": 9, "fill": {"color": "#1D4F91"}, "border": {"color": "#1D4F91"}},
            "data_labels": {
                "custom": [{"value": f"='{ideas}'!$A${row + 1}"} for row in range(1, last + 1)],
                "position": "right",
            },
        }
    )
    for label, set_axis in ((data.matrix.x_label, chart.set_x_axis), (data.matrix.y_label, chart.set_y_axis)):
        set_axis(
            {
                "name": _cell(f"{label} (Ø)"),
                "min": 1,
                "max": data.matrix.scale,
                "major_unit": 1,
                "crossing": middle,
                "major_gridlines": {"visible": False},
            }
        )
    chart.set_title({"name": _cell(f"{_('Bewertungsmatrix')}: {data.title}"), "name_font": {"size": 13}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 720, "height": 560})
    sheet = _Sheet(book, _("Matrix"), formats)
    sheet.text(0, 0, _("Die Zahlen an den Punkten sind die Nr. im Blatt Ideen."), "plain")
    sheet.ws.insert_chart(2, 0, chart)


def _projects_sheet(book: Any, formats: dict[str, Any], data: ExportData) -> None:
    _ = translator(data.locale)
    sheet = _Sheet(book, _("Projektideen"), formats)
    until = _("bis")
    titles = [
        _("Projektidee"),
        _("Status"),
        _("Verantwortlich"),
        _("Schwerpunktthemen"),
        _("Beschreibung"),
        _("Nächste Schritte"),
        _("Aus den Karten"),
    ]
    sheet.header(0, titles, [34, 14, 24, 30, 44, 48, 40])
    for row, project in enumerate(data.project_ideas, start=1):
        steps = "\n".join(
            f"{s.text} ({until} {due(s.due_on, data.locale)})" if s.due_on else s.text for s in project.next_steps
        )
        sheet.text(row, 0, project.title)
        sheet.text(row, 1, project.status_label)
        sheet.text(row, 2, project.owner_name or _("noch offen"))
        sheet.text(row, 3, ", ".join(project.focus_topics))
        sheet.text(row, 4, project.description)
        sheet.text(row, 5, steps)
        sheet.text(row, 6, "\n".join(card.text for card in project.cards))
    sheet.table(len(data.project_ideas), len(titles) - 1)


def _participation_sheet(book: Any, formats: dict[str, Any], data: ExportData) -> None:
    _ = translator(data.locale)
    sheet = _Sheet(book, _("Beteiligung"), formats)
    sheet.header(0, [_("Zielgruppe"), _("Personen")], [30, 12])
    for row, item in enumerate(data.participation, start=1):
        sheet.text(row, 0, item.target_group or _("ohne Angabe"), "plain")
        sheet.number(row, 1, item.count)
    sheet.table(len(data.participation), 1)
    total = len(data.participation) + 1
    sheet.text(total, 0, _("Zusammen"), "bold")
    sheet.number(total, 1, data.participants, "bold_int")  # a number, not =SUM(): nothing is computed on open


def _workshop_sheet(book: Any, formats: dict[str, Any], data: ExportData) -> None:
    _ = translator(data.locale)
    sheet = _Sheet(book, _("Überblick"), formats)
    sheet.ws.set_column(0, 0, 22)
    sheet.ws.set_column(1, 1, 60)
    sheet.ws.set_column(2, 4, 18)
    sheet.text(0, 0, f"{_('Ergebnisprotokoll')}: {data.title}", "title")
    meta = [
        (_("Stadt"), data.town),
        (_("Netzwerk"), data.network),
        (_("Datum"), data.date_label),
        (_("Veranstaltungsort"), data.place),
        (_("Format"), data.format_label),
        (_("Moderation"), data.moderation or ""),
        (_("Schwerpunktthemen"), ", ".join(data.focus_topics)),
    ]
    row = 2
    for label, value in meta:
        sheet.text(row, 0, label, "bold")
        sheet.text(row, 1, value)
        row += 1
    sheet.text(row, 0, _("Teilnehmende"), "bold")
    sheet.number(row, 1, data.participants, "int")
    row += 2
    if data.agenda:
        for col, title in enumerate([_("Schritt"), _("Titel"), _("Minuten"), _("Modus"), _("Methode")]):
            sheet.text(row, col, title, "header")
        for step in data.agenda:
            row += 1
            sheet.number(row, 0, step.position + 1)
            sheet.text(row, 1, step.title)
            sheet.number(row, 2, step.minutes)
            sheet.text(row, 3, step.mechanic_label, "plain")
            sheet.text(row, 4, step.method_name, "plain")
        row += 2
    if data.method_ratings:
        for col, title in enumerate([_("Methode"), _("Anmerkung"), _("Sterne")]):
            sheet.text(row, col, title, "header")
        for rating in data.method_ratings:
            row += 1
            sheet.text(row, 0, rating.method_name)
            sheet.text(row, 1, rating.note)
            sheet.number(row, 2, rating.stars)
