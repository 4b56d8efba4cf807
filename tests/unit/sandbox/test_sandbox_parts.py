"""The sandbox's shared parts: fault plans, the object store, simulated delivery, post length."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from adflux.sandbox.delivery import active_intervals, clip
from adflux.sandbox.faults import FaultPlan, Faults
from adflux.sandbox.store import Store
from adflux.sandbox.x_rules import weighted_length


def test_fault_shares_are_reproducible_with_a_seed():
    def draws(seed: int) -> list[str | None]:
        faults = Faults(seed=seed)
        faults.set("meta", FaultPlan(rate_limit=0.3, server_error=0.2))
        return [faults.draw("meta").fault for _ in range(200)]

    first = draws(7)
    assert first == draws(7)
    assert 40 < first.count("rate_limit") < 80 and 20 < first.count("server_error") < 60


def test_times_limits_the_failures_and_keeps_the_latency():
    faults = Faults()
    faults.set("x", FaultPlan(server_error=1.0, times=2, latency_ms=20))
    assert [faults.draw("x").fault for _ in range(3)] == ["server_error", "server_error", None]
    assert faults.draw("x").latency_s == 0.02


def test_match_targets_one_call():
    faults = Faults()
    faults.set("x", FaultPlan(timeout=1.0, times=1, match="POST /11/accounts/a/campaigns"))
    assert faults.draw("x", "GET /11/accounts/a").fault is None
    assert faults.draw("x", "POST /11/accounts/a/campaigns").fault == "timeout"
    assert faults.draw("x", "POST /11/accounts/a/campaigns").fault is None


def test_fault_plans_are_validated():
    with pytest.raises(ValueError, match="unknown"):
        FaultPlan.from_dict({"explode": 1})
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultPlan.from_dict({"timeout": 2})


def test_store_returns_copies_and_persists(tmp_path):
    path = tmp_path / "objects.json"
    store = Store(path)
    store.insert("meta", {"id": "1", "kind": "campaign", "name": "a"})
    copy = store.get("meta", "1")
    copy["name"] = "changed"
    assert store.get("meta", "1")["name"] == "a"
    assert store.get("meta", "1", kind="ad") is None
    store.update("meta", "1", lambda obj: obj.update(name="b"))
    assert store.next_number("meta", 100) == 100 and store.next_number("meta", 100) == 101

    reopened = Store(path)
    assert reopened.find("meta", "campaign", name="b")[0]["id"] == "1"
    assert reopened.next_number("meta", 100) == 102
    with pytest.raises(KeyError):
        reopened.insert("meta", {"id": "1", "kind": "campaign"})


def test_store_reads_an_object_in_place_and_answers_none_when_it_is_absent():
    store = Store()
    store.insert("meta", {"id": "ca-1", "kind": "customaudience", "_users": {"EMAIL": ["a", "b"]}})

    assert store.read("meta", "ca-1", lambda audience: len(audience["_users"]["EMAIL"])) == 2
    assert store.read("meta", "ca-1", lambda audience: audience) is store.read(
        "meta", "ca-1", lambda audience: audience
    ), "the stored object itself, not a copy"
    assert store.read("meta", "missing", lambda audience: 1) is None


def test_the_saved_file_is_the_whole_store_after_every_kind_of_write(tmp_path):
    """Saves reuse the JSON of unchanged objects; the file is still exactly the whole store."""
    path = tmp_path / "objects.json"
    store = Store(path)

    def saved_is_current() -> None:
        """The file holds what encoding the whole store at once gives, byte for byte."""
        objects = {p: {o["id"]: o for o in objs} for p, objs in store.dump().items()}
        whole = {"objects": objects, "counters": store._counters}
        assert path.read_text(encoding="utf-8") == json.dumps(whole, ensure_ascii=False)

    store.insert("meta", {"id": "1", "kind": "campaign", "name": "añadido", "tags": ["a"]})
    store.insert("meta", {"id": "2", "kind": "ad", "name": "b"})
    store.insert("x", {"id": "1", "kind": "campaign", "name": "c"})
    saved_is_current()
    store.update("meta", "1", lambda obj: obj["tags"].append("b"))
    saved_is_current()
    store.next_number("x", 10)
    store.update("x", "1", lambda obj: obj.update(kind="line_item"))
    saved_is_current()
    store.reset("meta")
    saved_is_current()
    store.insert("meta", {"id": "1", "kind": "campaign", "name": "again"})
    saved_is_current()
    assert Store(path).get("meta", "1") == {"id": "1", "kind": "campaign", "name": "again"}
    store.reset()
    saved_is_current()
    store.insert("x", {"id": "1", "kind": "campaign", "name": "after the reset"})
    saved_is_current()


def _name(obj):
    return obj.get("name")


def test_uploaded_files_are_kept_once_out_of_the_objects_and_survive_a_restart(tmp_path):
    path = tmp_path / "sandbox.json"
    store = Store(path)
    digest = store.put_blob(b"\x89PNG image")
    assert store.put_blob(b"\x89PNG image") == digest  # the same bytes, one file
    store.insert("tiktok", {"id": "i1", "kind": "image", "_blob": digest})
    assert b"PNG image" not in path.read_bytes()  # not rewritten with every object saved
    assert Store(path).get_blob(digest) == b"\x89PNG image"
    assert store.get_blob("0" * 64) is None


def test_store_finds_by_key_through_an_index_kept_up_to_date():
    store = Store()
    store.insert("google", {"id": "1", "kind": "campaign", "name": "a"})
    assert [o["id"] for o in store.find_by("google", "campaign", _name, "a")] == ["1"]

    store.insert("google", {"id": "2", "kind": "campaign", "name": "a"})
    store.insert("google", {"id": "3", "kind": "budget", "name": "a"})
    store.update("google", "1", lambda obj: obj.update(name="b"))
    assert [o["id"] for o in store.find_by("google", "campaign", _name, "a")] == ["2"]
    assert [o["id"] for o in store.find_by("google", "campaign", _name, "b")] == ["1"]

    found = store.find_by("google", "campaign", _name, "b")[0]
    found["name"] = "changed"  # a copy: the index and the object stay as stored
    assert store.find_by("google", "campaign", _name, "b")[0]["name"] == "b"

    store.update("google", "2", lambda obj: obj.update(kind="budget"))
    assert store.find_by("google", "campaign", _name, "a") == []
    assert [o["id"] for o in store.find_by("google", "budget", _name, "a")] == ["3", "2"]

    store.reset("google")
    assert store.find_by("google", "campaign", _name, "b") == []


def test_insert_once_gives_racing_writers_of_one_id_the_same_object():
    # Two uploads of the same image at once both derive the same id; the second must get the
    # first's object, not a duplicate-id error (a 500 from the TikTok sandbox, seen in CI).
    store = Store()
    barrier = threading.Barrier(8)

    def upload(n: int) -> dict[str, object]:
        barrier.wait()
        return store.insert_once("tiktok", {"id": "img/abc", "kind": "image", "writer": n})

    with ThreadPoolExecutor(8) as threads:
        stored = list(threads.map(upload, range(8)))
    assert len({item["writer"] for item in stored}) == 1
    assert store.find("tiktok", "image") == [stored[0]]


def test_delivery_needs_every_object_in_the_chain_active():
    campaign = [[0, True]]
    ad = [[0, False], [100, True], [300, False], [400, True]]
    assert active_intervals([campaign, ad], now=500) == [(100, 300), (400, 500)]
    assert active_intervals([campaign, [[0, False]]], now=500) == []
    assert clip([(100, 300), (400, 500)], 200, 450) == [(200, 300), (400, 450)]


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("Auxiliar contable", 17),
        ("Postúlate: https://empleos.example.co/vacantes/42?utm=x", 34),
        ("🚀", 2),
        ("会计", 4),
        ("e\u0301", 1),  # NFC: e + combining accent is one character
    ],
)
def test_weighted_post_length(text, weight):
    assert weighted_length(text) == weight
