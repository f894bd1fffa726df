"""What `werkstatt loadtest` measured, and the report it prints: latencies with bounded memory, deliveries,
refusals (429 apart from other 4xx) and errors (5xx, timeouts, sockets)."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from werkstatt.loadtest import Phone, Run

SAMPLES_KEPT = 100_000


class Latencies:
    """Seconds, with exact count and maximum; percentiles from at most SAMPLES_KEPT samples (a uniform sample
    of all, so a long run with many phones keeps bounded memory)."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self.count = 0
        self.max = 0.0

    def add(self, seconds: float) -> None:
        self.count += 1
        self.max = max(self.max, seconds)
        if len(self.samples) < SAMPLES_KEPT:
            self.samples.append(seconds)
        else:
            slot = random.randrange(self.count)
            if slot < SAMPLES_KEPT:
                self.samples[slot] = seconds

    def percentile(self, q: float) -> float:
        if not self.samples:
            return 0.0
        ordered = sorted(self.samples)  # nearest rank: the smallest value with q % of the samples at or below it
        return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]

    def line(self) -> str:
        if not self.count:
            return "keine Messung"
        p50, p99 = (self.percentile(q) * 1000 for q in (50, 99))
        return f"p50 {p50:.0f} ms  p99 {p99:.0f} ms  max {self.max * 1000:.0f} ms  ({self.count} Messungen)"


@dataclass(frozen=True)
class Report:
    lines: list[str]
    failed: bool
    workshop_id: str

    @classmethod
    def of(cls, run: Run, phones: list[Phone], joined: int, ran: float, deleted: str, cpu: float) -> Report:
        for seq, arrived in run.command_arrivals:
            if seq in run.commands:
                run.moderation_arrival.add(arrived - run.commands[seq])
        connected = sum(1 for phone in phones if phone.connected_at is not None)
        expected = sum(run.posted.values())
        arrived = sum(1 for phone in phones for text in phone.got if text in run.posted)
        missing = max(0, expected - arrived)
        share = f"{100 * (expected - missing) / expected:.1f} %".replace(".", ",") if expected else "–"
        all_requests = Latencies()
        for latencies in run.requests.values():
            for sample in latencies.samples:
                all_requests.add(sample)
        refused = Counter({key: count for key, count in run.statuses.items() if 400 <= key[1] < 500})
        too_many = sum(count for (_kind, status), count in refused.items() if status == 429)
        other_refused = ", ".join(
            f"{kind} {status}: {count}" for (kind, status), count in sorted(refused.items()) if status != 429
        )
        server_errors = Counter(
            {f"{kind}: HTTP {status}": count for (kind, status), count in run.statuses.items() if status >= 500}
        )
        errors = run.errors + server_errors
        p = run.plan
        load = 100 * cpu / max(ran, 0.001)
        lines = [
            f"Lasttest gegen {p.base}: {p.participants} Teilnehmende, {p.seconds:g} s, "
            f"eine Karte je Person alle {p.card_every:g} s",
            f"Test-Werkstatt {run.workshop_id}: {deleted}",
            f"Beigetreten:        {joined} von {p.participants}, Websockets offen: {connected}",
            f"Karten:             {len(run.posted)} gepostet, "
            f"{expected - missing} von {expected} Zustellungen angekommen ({share})",
            f"Punkte:             {run.votes} vergeben",
            f"Moderation:         {len(run.commands)} Befehle",
            f"Karte → Telefone:   {run.card_arrival.line()}",
            f"Moderation → Tel.:  {run.moderation_arrival.line()}",
            f"HTTP insgesamt:     {all_requests.line()}",
            *(f"  {kind + ':':17} {latencies.line()}" for kind, latencies in sorted(run.requests.items())),
            f"Neu laden (resync): {run.resyncs}",
            f"Abgelehnt (429):    {too_many}",
            f"Abgelehnt (sonst):  {other_refused or 0}",
            f"Fehler:             {sum(errors.values())}"
            + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(errors.items()))})" if errors else ""),
            f"Laufzeit:           {ran:.1f} s; Lastgenerator-CPU {load:.0f} % eines Kerns"
            + (" (der Lastgenerator war die Grenze: von einem zweiten Rechner wiederholen)" if load > 90 else ""),
        ]
        failed = bool(errors) or missing > 0 or deleted != "gelöscht" or connected < p.participants
        return cls(lines, failed, run.workshop_id)
