"""Ingest: every reader on files written here, including the broken and hostile ones."""

from __future__ import annotations

import json
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from parley.ingest import iter_inputs, parse_date
from parley.records import RawDocument, Skipped

RU = (
    "Переговоры между делегациями России и Украины прошли в Стамбуле. "
    "Стороны обсудили гарантии безопасности и нейтральный статус Украины."
)
FR = (
    "Les négociations à Genève ont repris mardi: la délégation française a présenté un plan de "
    "cessez-le-feu, très discuté, que les médiateurs jugent réaliste pour l'été."
)
ARTICLE = "Diplomats met in Istanbul on Tuesday to discuss a ceasefire."
PAGE = (
    "<html><head><title>Talks resume</title></head>"
    f"<body><h1>Talks resume</h1><p>{ARTICLE}</p></body></html>"
)


def run(*paths: str | Path, max_bytes: int = 20_000_000) -> list[RawDocument | Skipped]:
    return list(iter_inputs(paths, max_bytes=max_bytes))


def docs(items: list[RawDocument | Skipped]) -> list[RawDocument]:
    return [item for item in items if isinstance(item, RawDocument)]


def skips(items: list[RawDocument | Skipped]) -> dict[str, str]:
    return {item.source: item.reason for item in items if isinstance(item, Skipped)}


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- folders and dispatch ----------------------------------------------------------------------------


def test_folder_of_every_format_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b" / "page.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "c.json").write_text(json.dumps({"text": ARTICLE, "title": "One"}), encoding="utf-8")
    (tmp_path / "d.json").write_text(json.dumps([{"text": "First."}, {"html": PAGE}]), encoding="utf-8")
    write_jsonl(tmp_path / "e.jsonl", [json.dumps({"text": "A line."})])
    (tmp_path / "f.csv").write_text('title,text\nHeadline,"Body, with a comma."\n', encoding="utf-8")

    items = run(tmp_path)

    assert [(d.source, d.content_type) for d in docs(items)] == [
        (str(tmp_path / "a.txt"), "text"),
        (str(tmp_path / "b" / "page.html"), "html"),
        (str(tmp_path / "c.json"), "text"),
        (f"{tmp_path / 'd.json'}#item=1", "text"),
        (f"{tmp_path / 'd.json'}#item=2", "html"),
        (f"{tmp_path / 'e.jsonl'}#line=1", "text"),
        (f"{tmp_path / 'f.csv'}#row=1", "text"),
    ]
    assert skips(items) == {}
    by_source = {d.source: d for d in docs(items)}
    assert by_source[str(tmp_path / "a.txt")].content == ARTICLE
    assert by_source[str(tmp_path / "b" / "page.html")].content == PAGE
    assert by_source[str(tmp_path / "c.json")].title == "One"
    assert by_source[f"{tmp_path / 'f.csv'}#row=1"].content == "Body, with a comma."
    assert by_source[f"{tmp_path / 'f.csv'}#row=1"].title == "Headline"


def test_hidden_and_unknown_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / ".DS_Store").write_bytes(b"junk")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "notes.txt").write_text("not an article", encoding="utf-8")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "README").write_text("no extension", encoding="utf-8")
    (tmp_path / "notes.md").write_text("# corpus readme", encoding="utf-8")
    (tmp_path / "ok.txt").write_text(ARTICLE, encoding="utf-8")

    items = run(tmp_path)

    assert [d.source for d in docs(items)] == [str(tmp_path / "ok.txt")]
    assert skips(items) == {
        str(tmp_path / ".DS_Store"): "hidden file",
        str(tmp_path / ".git"): "hidden folder",
        str(tmp_path / "README"): "unsupported file type: no extension",
        str(tmp_path / "notes.md"): "unsupported file type: .md",
        str(tmp_path / "photo.jpg"): "unsupported file type: .jpg",
    }


def test_a_single_file_and_a_missing_path(tmp_path: Path) -> None:
    path = tmp_path / "2022-03-29_istanbul_talks.txt"
    path.write_text(ARTICLE, encoding="utf-8")

    # a plain string is one path, not an iterable of one-letter paths
    items = list(iter_inputs(str(path)))
    missing = run(tmp_path / "nope.txt")

    assert len(items) == 1 and isinstance(items[0], RawDocument)
    assert items[0].source == str(path)
    assert items[0].content == ARTICLE
    assert items[0].published == date(2022, 3, 29)  # from the file name
    assert skips(missing) == {str(tmp_path / "nope.txt"): "not found"}


# -- decoding ----------------------------------------------------------------------------------------


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + RU.encode("utf-8"))

    [doc] = run(path)

    assert isinstance(doc, RawDocument)
    assert doc.content == RU  # BOM gone, text intact


@pytest.mark.parametrize(("text", "encoding"), [(RU, "cp1251"), (FR, "latin-1")])
def test_legacy_encodings_are_detected(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(text.encode(encoding))

    [doc] = run(path)

    assert isinstance(doc, RawDocument)
    assert doc.content == text


def test_html_declared_charset_is_used(tmp_path: Path) -> None:
    page = f'<html><head><meta charset="windows-1251"></head><body><p>{RU}</p></body></html>'
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("cp1251"))

    [doc] = run(path)

    assert isinstance(doc, RawDocument)
    assert doc.content == page
    assert doc.content_type == "html"


def test_binary_empty_and_whitespace_files(tmp_path: Path) -> None:
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (tmp_path / "controls.txt").write_bytes(b"text\x01\x02\x03\x04\x05\x06\x07\x08 with controls" * 20)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.html").write_text(" \n\t\n  ", encoding="utf-8")
    (tmp_path / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    (tmp_path / "bom_only.txt").write_bytes(b"\xef\xbb\xbf  ")

    assert skips(run(tmp_path)) == {
        str(tmp_path / "binary.txt"): "binary content",
        str(tmp_path / "controls.txt"): "binary content",
        str(tmp_path / "empty.txt"): "empty",
        str(tmp_path / "blank.html"): "empty",
        str(tmp_path / "empty.jsonl"): "empty",
        str(tmp_path / "bom_only.txt"): "empty",
    }


def test_file_over_max_bytes(tmp_path: Path) -> None:
    path = tmp_path / "big.html"
    path.write_text(PAGE * 10, encoding="utf-8")
    size = path.stat().st_size

    assert skips(run(path, max_bytes=100)) == {str(path): f"too large: {size} bytes"}
    assert len(docs(run(path, max_bytes=size))) == 1


# -- JSON and JSON lines -----------------------------------------------------------------------------


def test_malformed_jsonl_line_among_good_ones(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "reports.jsonl",
        [
            json.dumps({"text": "First report.", "url": "https://example.org/1", "published": "2023-08-06"}),
            '{"text": "broken", ',
            "",
            json.dumps(["not", "an", "object"]),
            json.dumps({"title": "no body"}),
            json.dumps({"text": "Third report.", "date": "2024-06-16T09:30:00+02:00", "lang": "en"}),
        ],
    )

    items = run(path)

    assert [(d.source, d.content) for d in docs(items)] == [
        (f"{path}#line=1", "First report."),
        (f"{path}#line=6", "Third report."),
    ]
    first, third = docs(items)
    assert first.url == "https://example.org/1"
    assert first.published == date(2023, 8, 6)
    assert third.published == date(2024, 6, 16)
    assert third.meta == {"lang": "en"}
    reasons = skips(items)
    assert set(reasons) == {f"{path}:2", f"{path}:4", f"{path}:5"}
    assert reasons[f"{path}:2"].startswith("invalid JSON: ")
    assert reasons[f"{path}:4"] == "not a JSON object but an array"
    assert reasons[f"{path}:5"] == "no 'text' or 'html' field"
    assert all("\n" not in reason for reason in reasons.values())


def test_jsonl_overlong_and_undecodable_lines_are_skipped_alone(tmp_path: Path) -> None:
    # the encoding is chosen from the head of the file; a bad byte far below costs its line only
    good = [json.dumps({"text": f"Report number {i} about the talks."}) for i in range(2000)]
    path = tmp_path / "big.jsonl"
    path.write_bytes(
        ("\n".join(good) + "\n").encode("utf-8")
        + b'{"text": "bad byte \xff here"}\n'
        + json.dumps({"text": "x" * 500}).encode("utf-8")
        + b"\n"
        + json.dumps({"text": "The last report."}).encode("utf-8")
        + b"\n"
    )

    items = run(path, max_bytes=300)

    assert len(docs(items)) == 2001
    assert docs(items)[-1].content == "The last report."
    assert docs(items)[-1].source == f"{path}#line=2003"
    assert skips(items) == {
        f"{path}:2001": "undecodable bytes",
        f"{path}:2002": "too large: line over 300 characters",
    }


def test_jsonl_is_streamed_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    line = json.dumps({"text": "A report of a hundred characters or so, about the negotiations and a truce."})
    with path.open("w", encoding="utf-8") as handle:
        for _ in range(100_000):
            handle.write(line + "\n")
    assert path.stat().st_size > 8_000_000

    tracemalloc.start()
    count = 0
    for item in iter_inputs([path], max_bytes=1_000_000):
        assert isinstance(item, RawDocument)
        count += 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert count == 100_000
    assert peak < 2_000_000  # far below the 8 MB file: one line at a time


def test_json_file_that_is_really_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    write_jsonl(path, [json.dumps({"text": "One."}), json.dumps({"text": "Two."})])

    assert [d.source for d in docs(run(path))] == [f"{path}#line=1", f"{path}#line=2"]


def test_invalid_json_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"text": ', encoding="utf-8")

    [skipped] = run(path)

    assert isinstance(skipped, Skipped)
    assert skipped.source == str(path)
    assert skipped.reason.startswith("invalid JSON: Expecting value")


# -- CSV ---------------------------------------------------------------------------------------------


def test_csv_with_html_column(tmp_path: Path) -> None:
    path = tmp_path / "pages.csv"
    html = '<html><body><p>Talks, "resumed".</p>\n<p>Second paragraph.</p></body></html>'
    quoted = html.replace('"', '""')
    rows = [
        "URL,Title,Published,HTML,section",
        f'https://example.org/a,Talks resume,2022-07-22T16:30:00Z,"{quoted}",world',
        ",,not a date,<p>Untitled page</p>,",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    items = run(path)

    assert skips(items) == {}
    first, second = docs(items)
    assert first.source == f"{path}#row=1"
    assert first.content == html
    assert first.content_type == "html"
    assert first.url == "https://example.org/a"
    assert first.title == "Talks resume"
    assert first.published == date(2022, 7, 22)
    assert first.meta == {"section": "world"}
    assert second.source == f"{path}#row=2"
    assert (second.url, second.title, second.published) == (None, None, None)


def test_csv_bad_rows_are_skipped_and_the_rest_still_read(tmp_path: Path) -> None:
    path = tmp_path / "reports.csv"
    path.write_text(
        "text;date\n"
        "First report.;2023-02-24\n"
        "Too;many;fields\n"
        '"Stray "quote" inside";2023-02-25\n'
        ";2023-02-26\n"
        "\n"
        '"A report over\ntwo lines.";2023-02-27\n',
        encoding="utf-8",
    )

    items = run(path)

    assert [(d.source, d.content, d.published) for d in docs(items)] == [
        (f"{path}#row=1", "First report.", date(2023, 2, 24)),
        (f"{path}#row=5", "A report over\ntwo lines.", date(2023, 2, 27)),
    ]
    reasons = skips(items)
    assert reasons[f"{path}:3"] == "malformed row: 3 fields, the header has 2"
    assert reasons[f"{path}:4"].startswith("malformed row: ")
    assert reasons[f"{path}:5"] == "empty"
    assert len(reasons) == 3


def test_csv_overlong_line_is_one_skipped_row(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("text\n" + "x" * 500 + "\nShort report.\n", encoding="utf-8")

    items = run(path, max_bytes=100)

    assert skips(items) == {f"{path}:2": "too large: line over 100 characters"}
    assert [(d.source, d.content) for d in docs(items)] == [(f"{path}#row=2", "Short report.")]


def test_csv_without_a_text_column(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("ticker,price\nHD,225.86\n", encoding="utf-8")

    assert skips(run(path)) == {str(path): "no 'text' or 'html' column (columns: ticker, price)"}


# -- dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-03-29", date(2022, 3, 29)),
        ("2022-03-29T23:30:00Z", date(2022, 3, 29)),
        ("2022-03-29 23:30:00-05:00", date(2022, 3, 29)),
        (" 2022-03-29T10:00:00.123+02:00", date(2022, 3, 29)),
        ("2022-02-30", None),
        ("29 March 2022", None),
        ("2022-03", None),
        ("2022-03-291", None),
        (1648512000, None),
        (None, None),
    ],
)
def test_parse_date(value: object, expected: date | None) -> None:
    assert parse_date(value) == expected


# Western sentences in the legacy code pages that detectors confuse with their siblings (Windows-1250
# reads 'à Genève' as 'ŕ Genčve'); written here, not copied from any article.
WESTERN = [
    ("Les négociateurs se sont retrouvés à Genève mardi; la délégation française a présenté un plan.", "latin-1"),
    ("Die Außenminister trafen sich in Zürich, um über die Waffenruhe zu sprechen. Größere Fortschritte "
     "gab es nicht.", "latin-1"),
    ("\u201cWe are ready to talk,\u201d the minister said \u2014 but the envoy\u2019s reply was cautious.", "cp1252"),
    ("L\u2019envoyé a déclaré: \u00abNous sommes prêts à négocier\u00bb, a-t-il dit à Genève.", "cp1252"),
    ("Der Gesandte sagte: \u201eWir sind bereit\u201c \u2013 die Gespräche dauern an.", "cp1252"),
]


@pytest.mark.parametrize(("text", "encoding"), WESTERN)
def test_western_code_pages_are_not_read_as_a_sibling(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "western.txt"
    path.write_bytes(text.encode(encoding))

    [doc] = run(path)

    assert isinstance(doc, RawDocument)
    assert doc.content == text


def test_mostly_utf8_file_keeps_its_utf8_and_replaces_the_bad_bytes(tmp_path: Path) -> None:
    body = "The envoy\u2019s \u201cplan\u201d was discussed in Genève on Tuesday. " * 20
    data = body.encode("utf-8")
    path = tmp_path / "broken.txt"
    path.write_bytes(data[:200] + b"\xff\x80" + data[200:] + b"\x9d")

    [doc] = run(path)

    assert isinstance(doc, RawDocument)
    assert "\u2019" in doc.content and "\u201a\u00c4\u00f4" not in doc.content  # not read as Mac Roman
    assert doc.content.count("\ufffd") == 3
    assert doc.content.replace("\ufffd", "") == body


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [WESTERN[2][0], RU, FR])
def test_utf16_with_and_without_bom(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes(text.encode(encoding))  # "utf-16" writes a BOM, the -le/-be forms do not

    [doc] = run(path)

    assert isinstance(doc, RawDocument)
    assert doc.content == text
