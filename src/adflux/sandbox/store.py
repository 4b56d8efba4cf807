"""The sandbox's memory: every object the emulated platforms created, thread-safe.

Objects are plain JSON-able dicts grouped by platform, each with an `id` and a `kind` (campaign, ad
set, line item ...). Platform modules own the shape of the objects; the store only keeps them.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class Clock:
    """Wall-clock time plus an offset the admin endpoint can advance (for insights tests)."""

    def __init__(self) -> None:
        self._offset_s = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset_s

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._offset_s += seconds
            return self._offset_s

    def reset(self) -> None:
        """Back to wall-clock time."""
        with self._lock:
            self._offset_s = 0.0


def _clone(value: Any) -> Any:
    """A deep copy of JSON-like data, at half the cost of `copy.deepcopy` (no memo to keep)."""
    kind = type(value)
    if kind is dict:
        return {key: _clone(item) for key, item in value.items()}
    if kind is list:
        return [_clone(item) for item in value]
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)


Key = Callable[[dict[str, Any]], Hashable]


class Store:
    """Objects by platform and id. Every public method takes the lock; returned dicts are copies.

    Objects are also filed by kind, so a search reads only its kind and copies only its matches:
    every request waits for the lock, and a search that walked and copied the whole platform
    made the sandbox slower with every object it held. `find_by` goes further, for searches by
    a derived key (e.g. a name nested in the object): an index per key function, built on first
    use and kept up to date by every write, since scanning a kind cost each create a little
    more than the one before.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._lock = threading.RLock()
        self._path = path
        self._objects: dict[str, dict[str, dict[str, Any]]] = {}
        self._by_kind: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self._counters: dict[str, int] = {}
        # (platform, kind) -> key function -> key -> {id: object}
        self._keyed: dict[tuple[str, str], dict[Key, dict[Hashable, dict[str, Any]]]] = {}
        # platform -> id -> creation rank (objects are never deleted one by one)
        self._order: dict[str, dict[str, int]] = {}
        # Uploaded files (ad images), by SHA-256: kept out of the objects, which every write
        # saves whole, and written once each beside the store's file.
        self._blobs: dict[str, bytes] = {}
        # Each object's JSON as last saved (as `"id": {...}`), dropped when the object changes:
        # a save encodes only what changed since the last one. Encoding every object on every
        # write made a write cost what the whole store holds (a 20,000-member audience is MBs).
        self._encoded: dict[str, dict[str, str]] = {}
        if path is not None and path.exists():
            self._load(path)

    # ----------------------------------------------------------------- ids

    def next_number(self, platform: str, start: int) -> int:
        """A per-platform increasing number (stable across restarts when persisted)."""
        with self._lock:
            value = self._counters.get(platform, start - 1) + 1
            self._counters[platform] = value
            self._save()
            return value

    # ----------------------------------------------------------------- objects

    def insert(self, platform: str, obj: dict[str, Any]) -> None:
        """Store a copy of a new object; it must carry `id` and `kind`."""
        if "id" not in obj or "kind" not in obj:
            raise ValueError("objects need an id and a kind")
        with self._lock:
            objects = self._objects.setdefault(platform, {})
            if obj["id"] in objects:
                raise KeyError(f"duplicate id {obj['id']}")
            stored = _clone(obj)
            objects[obj["id"]] = stored
            self._by_kind.setdefault((platform, obj["kind"]), {})[obj["id"]] = stored
            order = self._order.setdefault(platform, {})
            order[obj["id"]] = len(order)
            self._file_keyed(platform, stored)
            self._save()

    def insert_once(self, platform: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Store `obj` unless an object with its id is already there; return the stored one.

        One locked step, so two requests racing with the same content-derived id (the same
        image uploaded twice at once) both get the one object instead of a duplicate-id error.
        """
        with self._lock:
            existing = self._objects.get(platform, {}).get(obj["id"])
            if existing is None:
                self.insert(platform, obj)
                existing = self._objects[platform][obj["id"]]
            return _clone(existing)

    def get(self, platform: str, object_id: str, kind: str | None = None) -> dict[str, Any] | None:
        """The object, or None when absent (or of another kind than asked)."""
        with self._lock:
            obj = self._objects.get(platform, {}).get(object_id)
            if obj is None or (kind is not None and obj["kind"] != kind):
                return None
            return _clone(obj)

    def read(self, platform: str, object_id: str, read: Callable[[dict[str, Any]], T]) -> T | None:
        """`read` applied to the stored object under the lock, without copying it (None when it
        does not exist): for large objects read often, such as an audience's member hashes,
        whose copy costs far more than the reading. `read` must neither change nor keep it."""
        with self._lock:
            obj = self._objects.get(platform, {}).get(object_id)
            return None if obj is None else read(obj)

    def update(
        self, platform: str, object_id: str, change: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any] | None:
        """Apply `change` to the stored object in place, atomically; None when it does not exist."""
        with self._lock:
            obj = self._objects.get(platform, {}).get(object_id)
            if obj is None:
                return None
            kind = obj["kind"]
            self._unfile_keyed(platform, obj)
            try:
                change(obj)
            finally:
                if obj["kind"] != kind:
                    del self._by_kind[(platform, kind)][object_id]
                    self._by_kind.setdefault((platform, obj["kind"]), {})[object_id] = obj
                self._file_keyed(platform, obj)
                self._encoded.get(platform, {}).pop(object_id, None)
            self._save()
            return _clone(obj)

    def find(self, platform: str, kind: str, **equals: Any) -> list[dict[str, Any]]:
        """Objects of one kind whose fields equal the given values, in creation order."""
        with self._lock:
            return [
                _clone(obj)
                for obj in self._by_kind.get((platform, kind), {}).values()
                if all(obj.get(k) == v for k, v in equals.items())
            ]

    def find_by(self, platform: str, kind: str, key: Key, value: Hashable) -> list[dict[str, Any]]:
        """Objects of one kind for which `key(obj) == value`. `key` names an index kept from its
        first use on, so it must be one long-lived function that only reads."""
        with self._lock:
            return [
                _clone(obj)
                for obj in self._keyed_index(platform, kind, key).get(value, {}).values()
            ]

    def find_by_any(
        self, platform: str, kind: str, key: Key, values: Iterable[Hashable]
    ) -> list[dict[str, Any]]:
        """Objects of one kind for which `key(obj)` is one of `values`, in creation order: what
        `find_by` finds for each value, so it costs what it finds, not what the kind holds."""
        with self._lock:
            index = self._keyed_index(platform, kind, key)
            found = {oid: obj for value in set(values) for oid, obj in index.get(value, {}).items()}
            order = self._order.get(platform, {})
            return [_clone(found[oid]) for oid in sorted(found, key=order.__getitem__)]

    def _keyed_index(
        self, platform: str, kind: str, key: Key
    ) -> dict[Hashable, dict[str, dict[str, Any]]]:
        indexes = self._keyed.setdefault((platform, kind), {})
        if key not in indexes:
            index: dict[Hashable, dict[str, dict[str, Any]]] = {}
            for obj in self._by_kind.get((platform, kind), {}).values():
                index.setdefault(key(obj), {})[obj["id"]] = obj
            indexes[key] = index
        return indexes[key]

    def iter_platform(self, platform: str) -> Iterator[dict[str, Any]]:
        with self._lock:
            items = [_clone(o) for o in self._objects.get(platform, {}).values()]
        return iter(items)

    # ----------------------------------------------------------------- files

    def put_blob(self, content: bytes) -> str:
        """Keep an uploaded file; its SHA-256 hex, which `get_blob` takes. The same bytes are
        kept once."""
        digest = hashlib.sha256(content).hexdigest()
        with self._lock:
            if digest not in self._blobs:
                self._blobs[digest] = content
                folder = self._blob_folder()
                if folder is not None:
                    folder.mkdir(parents=True, exist_ok=True)
                    (folder / digest).write_bytes(content)
            return digest

    def get_blob(self, digest: str) -> bytes | None:
        with self._lock:
            content = self._blobs.get(digest)
            folder = self._blob_folder()
            if content is None and folder is not None and (folder / digest).is_file():
                content = self._blobs[digest] = (folder / digest).read_bytes()
            return content

    def _blob_folder(self) -> Path | None:
        return None if self._path is None else self._path.with_suffix(".files")

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {p: [_clone(o) for o in objs.values()] for p, objs in self._objects.items()}

    def reset(self, platform: str | None = None) -> None:
        with self._lock:
            if platform is None:
                self._objects.clear()
                self._encoded.clear()
            else:
                self._objects.pop(platform, None)
                self._encoded.pop(platform, None)
            self._index()
            self._save()

    # ----------------------------------------------------------------- persistence

    def _load(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self._objects = data.get("objects", {})
        self._counters = data.get("counters", {})
        self._index()

    def _file_keyed(self, platform: str, obj: dict[str, Any]) -> None:
        for key, index in self._keyed.get((platform, obj["kind"]), {}).items():
            index.setdefault(key(obj), {})[obj["id"]] = obj

    def _unfile_keyed(self, platform: str, obj: dict[str, Any]) -> None:
        for key, index in self._keyed.get((platform, obj["kind"]), {}).items():
            value = key(obj)
            index[value].pop(obj["id"], None)
            if not index[value]:
                del index[value]

    def _index(self) -> None:
        self._keyed = {}
        self._by_kind = {}
        self._order = {}
        for platform, objects in self._objects.items():
            self._order[platform] = {object_id: rank for rank, object_id in enumerate(objects)}
            for object_id, obj in objects.items():
                self._by_kind.setdefault((platform, obj["kind"]), {})[object_id] = obj

    def _save(self) -> None:
        if self._path is None:
            return
        # Write-then-rename so a crash never leaves half a file behind.
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(self._encode(), encoding="utf-8")
        os.replace(tmp, self._path)

    def _encode(self) -> str:
        """What ``json.dumps({"objects": ..., "counters": ...}, ensure_ascii=False)`` gives,
        reusing the JSON of every object that has not changed since it was last encoded."""
        platforms = []
        for platform, objects in self._objects.items():
            cache = self._encoded.setdefault(platform, {})
            members = []
            for object_id, obj in objects.items():
                member = cache.get(object_id)
                if member is None:
                    member = cache[object_id] = f"{_dumps(object_id)}: {_dumps(obj)}"
                members.append(member)
            platforms.append(f"{_dumps(platform)}: {{{', '.join(members)}}}")
        return f'{{"objects": {{{", ".join(platforms)}}}, "counters": {_dumps(self._counters)}}}'


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
