"""Reading job feeds as a stream of records: the XML feed job boards publish, and schema.org
JobPosting JSON-LD (a JSON list or object, or the blocks embedded in an HTML page).

Each record is the feed's own text per field, under the XML feed's field names (title, date,
referencenumber, url, company, city, state, country, postalcode, description, salary, education,
jobtype, category, experience); `mapping.py` turns it into AdFlux's vocabulary.

XML is read with lxml's iterparse and each <job> is cleared once read, so memory stays flat
however long the feed. Hostile XML is refused before any job is read: a document that declares
entities (billion laughs, external entities) or names an external DTD. Entities are never
resolved and nothing is fetched from the network in any case (resolve_entities=False,
no_network=True, load_dtd=False, huge_tree=False).
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, cast

import ijson
from lxml import etree, html

from adflux.errors import ValidationFailed
from adflux.i18n.messages import Message

FIELDS = (
    "title",
    "date",
    "referencenumber",
    "url",
    "company",
    "city",
    "state",
    "country",
    "postalcode",
    "description",
    "salary",
    "education",
    "jobtype",
    "category",
    "experience",
    # Not a field of the XML feed: JSON-LD's jobLocationType (TELECOMMUTE for a remote job).
    "remote",
)
# An HTML page is read whole (only its <script> blocks matter); no page of jobs is this big.
MAX_HTML_BYTES = 50 * 1024 * 1024
SNIFF_BYTES = 2048
CHUNK_BYTES = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
# What a gzipped feed may unpack to: a 100,000-job feed is about 110 MB. Parsing is streamed, so
# this bounds a decompression bomb's time, not memory.
MAX_UNPACKED_BYTES = 4 * 1024**3
# What may come before the root element (XML declaration, comments, a DOCTYPE): a feed's is a line.
MAX_PROLOG_BYTES = 64 * 1024


class FeedUnreadable(ValidationFailed):
    """The feed as a whole cannot be read (malformed, hostile, of an unknown format): nothing
    from it is imported. The API answers 422 naming the field `feed`."""

    def __init__(self, message: str, **params: object):
        super().__init__(message, fields={"feed": [message]}, **params)


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """One job as the feed wrote it: its position (1 = the first job), the line it starts on
    (XML only) and the text of each field present."""

    position: int
    line: int | None
    fields: Mapping[str, str]

    def where(self) -> Message:
        """Where the job is in the feed, as the report says it."""
        if self.line:
            return Message(
                "job %(position)s (line %(line)s)", position=self.position, line=self.line
            )
        return Message("job %(position)s", position=self.position)


def read_feed(
    stream: IO[bytes], *, max_unpacked_bytes: int = MAX_UNPACKED_BYTES
) -> Iterator[FeedRecord]:
    """The jobs of a feed in any supported format, sniffed from its first bytes (a gzipped feed
    is unpacked as it is read, up to `max_unpacked_bytes`)."""
    buffered = _buffered(stream)
    if buffered.peek(len(GZIP_MAGIC))[: len(GZIP_MAGIC)] == GZIP_MAGIC:
        buffered = io.BufferedReader(_Unpacked(buffered, max_unpacked_bytes))
    head = buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise FeedUnreadable("the feed is empty")
    first = head[:1]
    if first in (b"[", b"{"):
        return read_json_ld(buffered)
    if first == b"<":
        lowered = head.lower()
        if b"<!doctype html" in lowered or b"<html" in lowered:
            return read_html_page(buffered)
        return read_xml(buffered)
    raise FeedUnreadable(
        "not a job feed: expected XML (<source><job>…), JSON-LD (JobPosting) or an HTML page "
        "with JobPosting blocks"
    )


class _Unpacked(io.RawIOBase):
    """A gzip stream's content, read as it is unpacked, refused past `limit` bytes (a
    decompression bomb) or when damaged."""

    def __init__(self, packed: IO[bytes], limit: int):
        self._gzip = gzip.GzipFile(fileobj=packed, mode="rb")
        self._limit = limit
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._gzip.read(len(buffer))
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            raise FeedUnreadable(
                "the gzipped feed is damaged (%(detail)s)", detail=str(exc)
            ) from None
        self._count += len(data)
        if self._count > self._limit:
            raise FeedUnreadable(
                "the gzipped feed unpacks to more than %(limit)s bytes", limit=self._limit
            )
        buffer[: len(data)] = data
        return len(data)


def _buffered(stream: IO[bytes]) -> io.BufferedReader:
    """The stream with `peek` (to sniff its format without consuming it)."""
    if hasattr(stream, "peek"):  # a buffered file already (BufferedReader, BufferedRandom)
        return cast(io.BufferedReader, stream)
    return io.BufferedReader(cast(io.RawIOBase, stream))


def read_xml(stream: IO[bytes]) -> Iterator[FeedRecord]:
    """The <job> elements of an XML feed, at any depth, cleared as they are read."""
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    position = 0
    try:
        for event, element in _pull_events(parser, stream):
            if event != "end" or _local(element.tag) != "job":
                continue
            position += 1
            fields = {}
            for child in element:
                if not isinstance(child.tag, str):  # a comment or an unresolved entity
                    continue
                text = "".join(child.itertext()).strip()
                if text:
                    fields[_local(child.tag).lower()] = text
            yield FeedRecord(position, element.sourceline, fields)
            # Free what was read: this job's subtree and the jobs before it.
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else None)
        message = exc.msg or str(exc)
        raise FeedUnreadable(
            "the XML feed is malformed at line %(line)s: %(detail)s", line=line, detail=message
        ) from None


def _pull_events(parser: Any, stream: IO[bytes]) -> Iterator[tuple[str, Any]]:
    """The parser's events over the stream. The prolog is fed a byte at a time until the root
    element starts, and its DOCTYPE checked then: a hostile declaration is refused before the
    parser meets any entity reference (libxml2 would expand one fed in the same chunk)."""
    fed = 0
    while True:
        byte = stream.read(1)
        if not byte:
            parser.close()
            raise FeedUnreadable("the XML feed has no root element")
        parser.feed(byte)
        fed += 1
        started = list(parser.read_events())
        if started:
            _refuse_declarations(started[0][1])
            yield from started
            break
        if fed > MAX_PROLOG_BYTES:
            raise FeedUnreadable(
                "the XML feed has no root element in its first %(limit)s bytes",
                limit=MAX_PROLOG_BYTES,
            )
    while chunk := stream.read(CHUNK_BYTES):
        parser.feed(chunk)
        yield from parser.read_events()
    parser.close()
    yield from parser.read_events()


def _refuse_declarations(element: Any) -> None:
    info = element.getroottree().docinfo
    dtd = info.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise FeedUnreadable(
            "the XML feed declares entities (<!ENTITY …>): refused, since entity expansion and "
            "external entities are a known attack (billion laughs, XXE); a job feed needs none"
        )
    if info.system_url or info.public_id:
        raise FeedUnreadable(
            "the XML feed names an external DTD: refused (AdFlux fetches nothing a feed points "
            "at); a job feed needs none"
        )


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def read_json_ld(stream: IO[bytes]) -> Iterator[FeedRecord]:
    """JobPostings from JSON-LD: a list (streamed item by item), or one object that is a
    JobPosting, an ItemList of them or an @graph holding them."""
    buffered = _buffered(stream)
    first = buffered.peek(SNIFF_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    prefix = "item" if first == b"[" else ""
    position = 0
    try:
        for value in ijson.items(buffered, prefix):
            for posting in _postings(value):
                position += 1
                yield FeedRecord(position, None, posting_fields(posting))
    except ijson.JSONError as exc:
        raise FeedUnreadable(
            "the JSON-LD feed is not valid JSON: %(detail)s", detail=str(exc)
        ) from None
    except UnicodeDecodeError:
        raise FeedUnreadable("the JSON-LD feed is not UTF-8 text") from None


def read_html_page(stream: IO[bytes]) -> Iterator[FeedRecord]:
    """JobPostings of an HTML page's <script type="application/ld+json"> blocks."""
    data = stream.read(MAX_HTML_BYTES + 1)
    if len(data) > MAX_HTML_BYTES:
        raise FeedUnreadable("the HTML page is larger than %(limit)s bytes", limit=MAX_HTML_BYTES)
    parser = html.HTMLParser(no_network=True, remove_comments=True)
    try:
        # UTF-8 unless it is not: libxml2 takes a page without a <meta charset> for Latin-1.
        page: str | bytes = data.decode("utf-8")
    except UnicodeDecodeError:
        page = data
    try:
        document = html.document_fromstring(page, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise FeedUnreadable("the HTML page cannot be read: %(detail)s", detail=str(exc)) from None
    position = 0
    blocks = document.xpath('//script[@type="application/ld+json"]')
    for number, script in enumerate(blocks, start=1):
        try:
            value = json.loads(script.text or "", parse_float=Decimal)
        except ValueError as exc:
            raise FeedUnreadable(
                "JSON-LD block %(number)s of the HTML page is not valid JSON: %(detail)s",
                number=number,
                detail=str(exc),
            ) from None
        for posting in _postings(value):
            position += 1
            yield FeedRecord(position, script.sourceline, posting_fields(posting))
    if not blocks:
        raise FeedUnreadable('the HTML page has no <script type="application/ld+json"> block')


def _postings(value: Any) -> Iterator[dict[str, Any]]:
    """The JobPosting objects in a JSON-LD value (others, like an Organization, are skipped)."""
    if isinstance(value, list):
        for item in value:
            yield from _postings(item)
        return
    if not isinstance(value, dict):
        return
    if "@graph" in value:
        yield from _postings(value["@graph"])
        return
    if "itemListElement" in value:
        for element in _as_list(value["itemListElement"]):
            inner = element.get("item", element) if isinstance(element, dict) else element
            yield from _postings(inner)
        return
    if "JobPosting" in _as_list(value.get("@type")):
        yield value


def posting_fields(posting: Mapping[str, Any]) -> dict[str, str]:
    """A schema.org JobPosting as the XML feed's fields (schema.org/JobPosting)."""
    location = _first(posting.get("jobLocation"))
    address = _first(location.get("address")) if isinstance(location, dict) else None
    if isinstance(address, str):
        address = {"addressLocality": address}
    address = address if isinstance(address, dict) else {}
    organisation = posting.get("hiringOrganization")
    fields = {
        "title": posting.get("title"),
        "date": posting.get("datePosted"),
        "referencenumber": _identifier(posting.get("identifier")),
        "url": posting.get("url"),
        "company": _name(organisation),
        "city": address.get("addressLocality"),
        "state": address.get("addressRegion"),
        "country": _name(address.get("addressCountry")),
        "postalcode": address.get("postalCode"),
        "description": posting.get("description"),
        "salary": _salary(posting.get("baseSalary")),
        "education": _name(posting.get("educationRequirements"), key="credentialCategory"),
        "jobtype": ", ".join(str(t) for t in _as_list(posting.get("employmentType"))),
        "category": _name(posting.get("occupationalCategory")) or _name(posting.get("industry")),
        "experience": _experience(posting.get("experienceRequirements")),
        "remote": ", ".join(str(t) for t in _as_list(posting.get("jobLocationType"))),
    }
    return {name: text.strip() for name, value in fields.items() if (text := _text(value))}


def _text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _first(value: Any) -> Any:
    items = _as_list(value)
    return items[0] if items else None


def _name(value: Any, *, key: str = "name") -> Any:
    value = _first(value)
    if isinstance(value, dict):
        return value.get(key) or value.get("name")
    return value


def _identifier(value: Any) -> Any:
    value = _first(value)
    if isinstance(value, dict):  # a PropertyValue: {"name": "Magneto", "value": "MG-123"}
        return value.get("value")
    return value


def _experience(value: Any) -> Any:
    value = _first(value)
    if isinstance(value, dict):  # OccupationalExperienceRequirements
        months = value.get("monthsOfExperience")
        return f"{_text(months)} meses" if months is not None else value.get("description")
    return value


def _salary(value: Any) -> str:
    """A MonetaryAmount as text the salary parser reads ("COP 2500000 - 3000000 MONTH")."""
    value = _first(value)
    if not isinstance(value, dict):
        return _text(value)
    amount = value.get("value")
    currency = _text(value.get("currency"))
    if isinstance(amount, dict):  # QuantitativeValue
        unit = _text(amount.get("unitText"))
        low, high = amount.get("minValue"), amount.get("maxValue")
        if low is None and high is None:
            low = amount.get("value")
        numbers = " - ".join(_text(n) for n in (low, high) if n is not None)
    else:
        unit = ""
        numbers = _text(amount)
    return " ".join(part for part in (currency, numbers, unit) if part)
