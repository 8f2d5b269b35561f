"""Walking input paths and turning bytes into text, shared by every reader.

Every function here reports a problem as a `Skipped` (or None) instead of raising: one bad file
in a folder of thousands must cost one line in the report, not the run.
"""

from __future__ import annotations

import codecs
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from charset_normalizer import from_bytes

from parley.records import RawDocument, Skipped

SNIFF_BYTES = 64 * 1024  # enough for encoding detection and the binary test; detection cost grows with it
CONTROL_RATIO = 0.05  # share of control bytes above which a file is not text
# control bytes that text never holds (tab, newlines, form feed, vertical tab and escape are allowed)
_CONTROL = frozenset(range(32)) - {9, 10, 11, 12, 13, 27}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})(?![\d])")
# names the charset a file declares in its head bytes (HTML's <meta charset>)
Hint = Callable[[bytes], str | None]
DATE_FIELDS = ("published", "date", "published_at")
CONTENT_FIELDS = ("text", "html")
RECORD_FIELDS = frozenset((*CONTENT_FIELDS, "url", "title", *DATE_FIELDS))


# -- walking ---------------------------------------------------------------------------------------


def walk(paths: Iterable[str | Path]) -> Iterator[Path | Skipped]:
    """Every file under `paths`, folders walked recursively in sorted order, so runs are repeatable.

    Hidden files and folders (a name starting with '.') are reported and not entered: they are
    editor, VCS and OS litter (.git, .DS_Store), never articles. A path named directly is read even
    when hidden, since the user asked for it."""
    for given in paths:
        path = Path(given)
        try:
            if path.is_dir():
                yield from _walk_dir(path, set())
            elif path.is_file():
                yield path
            elif path.exists():
                yield Skipped(str(path), "not a regular file")
            else:
                yield Skipped(str(path), "not found")
        except OSError as exc:
            yield Skipped(str(path), f"unreadable: {one_line(exc)}")


def _walk_dir(folder: Path, seen: set[Path]) -> Iterator[Path | Skipped]:
    # resolved folders already visited: a symlink loop must not make the walk endless
    real = folder.resolve()
    if real in seen:
        yield Skipped(str(folder), "folder already visited (symlink loop)")
        return
    seen.add(real)
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        yield Skipped(str(folder), f"unreadable folder: {one_line(exc)}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            yield Skipped(str(entry), "hidden folder" if entry.is_dir() else "hidden file")
        elif entry.is_dir():
            yield from _walk_dir(entry, seen)
        elif entry.is_file():
            yield entry
        else:
            yield Skipped(str(entry), "not a regular file")


# -- decoding --------------------------------------------------------------------------------------


def looks_binary(sample: bytes) -> bool:
    """True for bytes that are no text: a NUL byte, or many control bytes.

    Call it after BOM detection: UTF-16/32 text is full of NULs but carries a BOM."""
    if b"\x00" in sample:
        return True
    if not sample:
        return False
    controls = sum(1 for byte in sample if byte in _CONTROL)
    return controls / len(sample) > CONTROL_RATIO


def bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def detect_encoding(sample: bytes, complete: bool = True, hint: str | None = None) -> str | None:
    """The encoding of `sample`: its BOM, else UTF-16 without a BOM, else UTF-8 if it decodes (or
    nearly: see `mostly_utf8`), else `hint` (a charset the file declares, as HTML does) if it
    decodes, else Windows-1252 when it reads as Western text, else charset-normalizer's guess; None
    when nothing fits.

    `complete` is False when `sample` is the head of a longer file: a multi-byte character cut at
    the end must not rule UTF-8 out."""
    encoding = bom_encoding(sample) or utf16_without_bom(sample)
    if encoding:
        return encoding
    for candidate in ("utf-8", hint):
        if candidate and _decodes(sample, candidate, complete):
            return candidate
    if mostly_utf8(sample):
        return "utf-8"
    if _reads_as_western(sample):
        return "cp1252"
    match = from_bytes(sample).best()
    return match.encoding if match is not None else None


def _decodes(sample: bytes, encoding: str, complete: bool) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)(errors="strict").decode(sample, final=complete)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


# a valid UTF-8 multi-byte sequence (2, 3 or 4 bytes); an invalid byte is any other byte >= 0x80
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def mostly_utf8(sample: bytes) -> bool:
    """True when `sample` is UTF-8 with a few bad bytes (a truncated copy, a stray Latin-1 byte):
    its valid multi-byte sequences outnumber its invalid bytes several times over.

    Such a file is decoded as UTF-8 with the bad bytes replaced; a single-byte code page would
    garble every one of its curly quotes and accents instead ('\u2019' read as Mac Roman is three
    characters). Legacy single-byte text almost never forms valid sequences by chance."""
    sequences = _UTF8_SEQUENCE.findall(sample)
    if not sequences:
        return False
    high = sum(1 for byte in sample if byte >= 0x80)
    invalid = high - sum(len(s) for s in sequences)
    return invalid * MOSTLY_UTF8_RATIO <= len(sequences)


MOSTLY_UTF8_RATIO = 4  # at least four valid UTF-8 characters for each invalid byte
# characters of Western European text beyond ASCII that are not letters: Windows-1252's punctuation
_WESTERN_SYMBOLS = frozenset("\u00a0\u2018\u2019\u201a\u201c\u201d\u201e\u2013\u2014\u2026\u00ab\u00bb\u20ac"
                             "\u2022\u00b0\u00a7\u00a9\u00ae\u2122\u00a3\u00a5\u00a2\u00b7\u00d7\u00a1\u00bf"
                             "\u2020\u2021\u2039\u203a\u00bd\u00bc\u00be\u00b2\u00b4")
MAX_WESTERN_SHARE = 0.3  # Western text is mostly ASCII letters; Cyrillic or Greek code pages are not


def _reads_as_western(sample: bytes) -> bool:
    """True when `sample` decoded as Windows-1252 (the superset of Latin-1 that browsers use for
    both) gives Western European text: a minority of non-ASCII letters, each a letter or common
    punctuation, and no symbol glued inside a word (Polish 'ą' in Windows-1250 is '¹' in 1252).

    Statistical detectors often pick a sibling code page for a short Latin-1 text (à read as ŕ
    in Windows-1250); these plain checks settle the common case before guessing."""
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    letters = sum(ch.isalpha() for ch in text)
    extended = [i for i, ch in enumerate(text) if ord(ch) > 0x7F]
    if not extended or not letters or len(extended) > MAX_WESTERN_SHARE * letters:
        return False
    for i in extended:
        ch = text[i]
        if ch.isalpha():
            continue
        if ch not in _WESTERN_SYMBOLS:
            return False
        inside_word = 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()
        if inside_word and ch not in "\u2019\u00b7\u2013\u2014":  # apostrophe, middle dot, dashes
            return False
    return True


def utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for UTF-16 text saved without a BOM, else None.

    Such a file looks binary (NULs or control bytes in every other byte). Real text decodes to
    printable characters from one or two 256-character blocks (ASCII and a script), while the
    wrong byte order, or random binary, spreads over many blocks."""
    if len(sample) < 4 or not looks_binary(sample):
        return None
    best, best_share = None, 0.0
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = codecs.getincrementaldecoder(encoding)(errors="strict").decode(sample[: len(sample) // 2 * 2])
        except UnicodeDecodeError:
            continue
        if not text or sum(ch.isprintable() or ch.isspace() for ch in text) < 0.95 * len(text):
            continue
        blocks = Counter(0 if ch.isspace() else ord(ch) >> 8 for ch in text)
        share = sum(n for _, n in blocks.most_common(2)) / len(text)
        if share > best_share:
            best, best_share = encoding, share
    return best if best_share >= 0.9 else None


def read_text(path: Path, max_bytes: int, hint: Hint | None = None) -> str | Skipped:
    """The decoded content of a whole-document file, or why it can't be had.

    The size is checked with stat() before anything is read, so a huge file costs nothing.
    `hint(head: bytes) -> str | None` may name the charset the file declares (HTML's meta charset)."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Skipped(source, f"too large: {size} bytes")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        return Skipped(source, f"unreadable: {one_line(exc)}")
    if len(data) > max_bytes:
        return Skipped(source, f"too large: over {max_bytes} bytes")
    return decode_bytes(source, data, hint)


def decode_bytes(source: str, data: bytes, hint: Hint | None = None) -> str | Skipped:
    """Bytes to text, with the same checks and reasons as a file: empty, binary, undecodable."""
    if not data.strip():
        return Skipped(source, "empty")
    encoding = bom_encoding(data) or utf16_without_bom(data[:SNIFF_BYTES])
    if encoding is None and looks_binary(data[:SNIFF_BYTES]):
        return Skipped(source, "binary content")
    if encoding is None:
        encoding = detect_encoding(data, complete=True, hint=hint(data[:4096]) if hint else None)
    if encoding is None:
        return Skipped(source, "undecodable: unknown encoding")
    # UTF-8 chosen for a file that does not decode strictly: it is mostly UTF-8, replace the bad bytes
    errors = "replace" if encoding == "utf-8" and not _decodes(data, "utf-8", True) else "strict"
    try:
        text = data.decode(encoding, errors)
    except (UnicodeDecodeError, LookupError) as exc:
        return Skipped(source, f"undecodable as {encoding}: {one_line(exc)}")
    text = text.lstrip("\ufeff")
    if not text.strip():
        return Skipped(source, "empty")
    if looks_binary(text[:SNIFF_BYTES].encode("utf-8", "surrogatepass")):
        return Skipped(source, "binary content")
    return text


@contextmanager
def open_stream(path: Path) -> Iterator[TextIO | Skipped]:
    """A text stream over a file too big to load (JSON lines, CSV), or why it can't be read.

    The encoding is chosen from the file's head. Bytes that don't decode later on become lone
    surrogates ('surrogateescape') instead of an exception, so the reader can skip the one record
    holding them (see `has_undecodable`) and go on with the rest."""
    source = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield Skipped(source, f"unreadable: {one_line(exc)}")
        return
    with handle:
        head = handle.read(SNIFF_BYTES)
        complete = len(head) < SNIFF_BYTES
        if not head.strip() and complete:
            yield Skipped(source, "empty")
            return
        encoding = bom_encoding(head) or utf16_without_bom(head)
        if encoding is None and looks_binary(head):
            yield Skipped(source, "binary content")
            return
        encoding = encoding or detect_encoding(head, complete)
        if encoding is None:
            yield Skipped(source, "undecodable: unknown encoding")
            return
        handle.seek(0)
        stream = io.TextIOWrapper(handle, encoding=encoding, errors="surrogateescape", newline="")
        try:
            yield stream
        finally:
            stream.detach()


def has_undecodable(text: str) -> bool:
    """True when `text` holds bytes the stream's encoding could not decode (see `open_stream`)."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def bounded_lines(stream: TextIO, max_chars: int) -> Iterator[tuple[int, str | None]]:
    """(line number, line) for each line of `stream`; the line is None when longer than `max_chars`.

    An overlong line is skipped in pieces, so one giant line never sits in memory whole."""
    number = 0
    while True:
        line = stream.readline(max_chars + 1)
        if not line:
            return
        number += 1
        if len(line) > max_chars and not line.endswith(("\n", "\r")):
            while line and not line.endswith(("\n", "\r")):
                line = stream.readline(SNIFF_BYTES)
            yield number, None
        else:
            yield number, line


# -- fields of a record (shared by the JSON, JSON lines and CSV readers) -----------------------------


def parse_date(value: Any) -> date | None:
    """The calendar date at the start of an ISO date or datetime ('2022-03-29', '2022-03-29T10:00Z').

    The date is taken as written, not converted to UTC: it is the day the publisher put on the
    article. Anything else (timestamps, '29 March 2022', impossible dates) gives None."""
    if not isinstance(value, str):
        return None
    match = _ISO_DATE.match(value)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def record_from_fields(source: str, fields: dict[str, Any], max_bytes: int) -> RawDocument | str:
    """A RawDocument from the fields of one record (a JSON object or a CSV row), or the reason it
    can't be one; the caller knows where the record sits and makes the Skipped.

    `text` wins over `html` when both are filled: a provider who gives the text has already
    extracted the body. Field names are matched without case; the unknown ones are kept in `meta`."""
    fields = {str(key).strip().lower(): value for key, value in fields.items() if key is not None}
    content, content_type = None, "text"
    for name in CONTENT_FIELDS:
        value = fields.get(name)
        if isinstance(value, str) and value.strip():
            content, content_type = value, name
            break
    if content is None:
        present = [name for name in CONTENT_FIELDS if name in fields]
        if not present:
            return "no 'text' or 'html' field"
        wrong = [name for name in present if not (fields[name] is None or isinstance(fields[name], str))]
        return f"'{wrong[0]}' is not a string" if wrong else "empty"
    if len(content) > max_bytes:
        return f"too large: {len(content)} characters"
    published = None
    for name in DATE_FIELDS:
        published = parse_date(fields.get(name))
        if published:
            break
    return RawDocument(
        source=source,
        content=content,
        content_type=content_type,  # type: ignore[arg-type]
        url=_string_or_none(fields.get("url")),
        title=_string_or_none(fields.get("title")),
        published=published,
        meta={key: value for key, value in fields.items() if key not in RECORD_FIELDS},
    )


def _string_or_none(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def one_line(exc: BaseException | str) -> str:
    """An error message fit for a one-line reason."""
    return " ".join(str(exc).split()) or type(exc).__name__
