"""The load test's arithmetic: percentiles, bounded memory, and the checks on its arguments."""

from __future__ import annotations

import pytest

from werkstatt import loadreport
from werkstatt.loadreport import Latencies
from werkstatt.loadtest import LoadtestError, Plan


def test_percentiles_and_line() -> None:
    latencies = Latencies()
    for millis in range(1, 101):
        latencies.add(millis / 1000)
    assert latencies.percentile(50) == pytest.approx(0.050, abs=0.001)
    assert latencies.percentile(99) == pytest.approx(0.099, abs=0.001)
    assert latencies.line() == "p50 50 ms  p99 99 ms  max 100 ms  (100 Messungen)"
    assert Latencies().line() == "keine Messung"


def test_memory_stays_bounded_while_count_and_max_stay_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loadreport, "SAMPLES_KEPT", 10)
    latencies = Latencies()
    for index in range(1000):
        latencies.add(index / 1000)
    assert len(latencies.samples) == 10
    assert latencies.count == 1000 and latencies.max == 0.999


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("werkstatt.example.org", 10, 10), "muss mit http:// oder https:// beginnen"),
        (("https://werkstatt.example.org/?x=1", 10, 10), "muss mit http:// oder https:// beginnen"),
        (("https://werkstatt.example.org", 0, 10), "--participants muss zwischen 1 und 2000 liegen"),
        (("https://werkstatt.example.org", 10, 0.5), "--seconds muss zwischen 1 und 3600 liegen"),
    ],
)
def test_bad_arguments_are_refused_in_german(arguments: tuple[str, int, float], message: str) -> None:
    url, participants, seconds = arguments
    with pytest.raises(LoadtestError, match=message):
        Plan(url, "wst_x", participants, seconds)


def test_sockets_go_to_the_same_address() -> None:
    assert Plan("https://w.example/sub/", "t", 1, 1).socket_url("/api/x") == "wss://w.example/sub/api/x"
    assert Plan("http://127.0.0.1:8000", "t", 1, 1).socket_url("/api/x") == "ws://127.0.0.1:8000/api/x"
