"""The periodic work's scheduler: only the leader sends, each task at its interval, the relay as
soon as the lead is taken; a stand-by that takes the lead over starts sending."""

from __future__ import annotations

from adflux.background.scheduler import Scheduler, intervals_of


class Lead:
    def __init__(self, held: bool) -> None:
        self.held = held
        self.released = False

    def hold(self) -> bool:
        return self.held

    def release(self) -> None:
        self.released = True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run(scheduler: Scheduler, clock: Clock, seconds: int) -> None:
    for _ in range(seconds):
        scheduler.tick()
        clock.now += 1


def test_the_leader_sends_each_task_at_its_interval_and_the_relay_at_once():
    sent: list[tuple[float, str]] = []
    clock = Clock()
    scheduler = Scheduler(
        {"relay": 30, "sync": 100},
        Lead(True),
        lambda name: sent.append((clock.now - 1000, name)),
        clock=clock,
        send_at_lead=("relay",),
    )

    run(scheduler, clock, 121)

    assert [t for t, name in sent if name == "relay"] == [0, 30, 60, 90, 120]
    assert [t for t, name in sent if name == "sync"] == [100]


def test_a_stand_by_sends_nothing_until_it_takes_the_lead_over():
    sent: list[str] = []
    clock = Clock()
    lead = Lead(False)
    scheduler = Scheduler({"relay": 30}, lead, sent.append, clock=clock, send_at_lead=("relay",))

    run(scheduler, clock, 100)
    assert sent == [] and not scheduler.leading

    lead.held = True  # the leader died: its lock was released
    run(scheduler, clock, 31)
    assert sent == ["relay", "relay"] and scheduler.leading

    lead.held = False  # lost again (its database connection broke)
    run(scheduler, clock, 100)
    assert sent == ["relay", "relay"]


def test_the_intervals_come_from_celery_beat_schedule():
    schedule = {
        "relay-pending-publications": {"task": "adflux.relay_publications", "schedule": 30.0},
        "sync-results": {"task": "adflux.sync_results", "schedule": 900},
    }
    assert intervals_of(schedule) == {
        "adflux.relay_publications": 30.0,
        "adflux.sync_results": 900.0,
    }
