"""Long and pathological inputs: a text over the model's limit is processed whole, in pieces, with every
offset pointing into the full text; a run of 300,000 quote marks and a page of '"a" said "b", ' finish
in seconds; a document past its time budget is skipped with the reason, and the batch goes on."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from parley.pipeline import Deadline, Pipeline, pieces, run
from parley.records import Document, DocumentResult, RawDocument, Skipped
from parley.store.sqlite import SQLiteStore

PARAGRAPH = ("Foreign Minister Dmytro Kuleba met Turkish Foreign Minister Mevlut Cavusoglu in Antalya on Thursday. "
             "\u201cWe are ready to talk about a ceasefire,\u201d Kuleba said after the meeting, adding that Russia "
             "must first withdraw its troops. The Kremlin said it wanted guarantees for its exports.")


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the block runs longer than `seconds`."""
    def expire(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def assert_offsets_point_into(result: DocumentResult) -> None:
    text = result.document.text
    for m in result.mentions:
        assert text[m.start : m.end] == m.text
    for q in result.quotes:
        assert text[q.start : q.end] == q.text
    for e in result.events:
        assert 0 <= e.start < e.end <= len(text) and e.evidence.strip() in text[e.start : e.end + 1]
    for p in result.positions:
        assert 0 <= p.start < p.end <= len(text) and p.evidence.strip() in text[p.start : p.end + 1]
    for proposal in result.proposals:
        for step in proposal.steps:
            assert text[step.start : step.end] == step.evidence
    for records in (result.quotes, result.events, result.positions, result.proposals):
        assert len({r.id for r in records}) == len(records)  # the store keys each record by its id


def test_pieces_cover_the_text_at_paragraph_and_sentence_ends() -> None:
    text = ("One. Two three.\n\nFour five six. " * 40) + "x" * 500
    cut = pieces(text, 100)
    assert "".join(text[a:b] for a, b in cut) == text
    assert all(b - a <= 100 for a, b in cut)
    assert all(text[a - 2 : a] in ("\n\n", ". ") for a, _ in cut[1:12])  # at paragraph or sentence ends


def test_text_over_the_model_limit_is_processed_whole(pipeline: Pipeline) -> None:
    # Over 1,000,000 characters (nlp.max_length, which raised E088 before) but few tokens: the paragraphs
    # are far apart, with runs of spaces between them, so the model's real limit is crossed cheaply.
    gap = " " * 40_000 + "\n\n"
    text = "Talks in Antalya\n\n" + gap.join([PARAGRAPH] * 30)
    assert len(text) > pipeline.annotator.nlp.max_length
    result = pipeline.extract(Document(id="long", source="long.txt", text=text))
    assert_offsets_point_into(result)
    quotes = [q for q in result.quotes if q.text.startswith("We are ready")]
    assert len(quotes) == 30 and quotes[-1].start > 1_000_000  # the last paragraph too, at its own offset
    assert {q.speaker for q in quotes} == {"dmytro-kuleba"}


def test_pieces_give_the_same_records_as_whole_text(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Talks in Antalya\n\n" + "\n\n".join(PARAGRAPH.replace("Thursday", day) for day in
                                             ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"))
    whole = pipeline.extract(Document(id="d", source="d.txt", text=text))
    monkeypatch.setattr(pipeline, "max_chars", len(PARAGRAPH) + 10)  # every paragraph a piece of its own
    monkeypatch.setattr(pipeline, "chunk_chars", len(PARAGRAPH) + 10)
    cut = pipeline.extract(Document(id="d", source="d.txt", text=text))
    assert_offsets_point_into(cut)
    assert [(q.start, q.end, q.speaker) for q in cut.quotes] == [(q.start, q.end, q.speaker) for q in whole.quotes]
    # and through the local engine: a document needing pieces is not given to nlp.pipe (which refuses it)
    [result] = pipeline.process_many([RawDocument("d.txt", text)])
    assert isinstance(result, DocumentResult) and len(result.quotes) == len(whole.quotes)


def test_300k_quote_marks_without_spaces_finish(pipeline: Pipeline) -> None:
    text = "Talks resume\n\n" + PARAGRAPH + " " + '"' * 300_000 + " " + PARAGRAPH
    start = time.perf_counter()
    with time_limit(60):
        result = pipeline.extract(Document(id="q", source="q.txt", text=text))
    assert time.perf_counter() - start < 30
    assert_offsets_point_into(result)
    assert sum(q.text.startswith("We are ready") for q in result.quotes) == 2


@pytest.mark.slow
def test_repeated_said_pattern_is_linear(pipeline: Pipeline) -> None:
    # '"a" said "b", ' over and over parses as one sentence thousands of tokens deep: extraction was cubic
    # (14 KB 19.5 s, 28 KB 156 s). The rule stages on ~100 KB must now take a few seconds.
    text = "Talks resume\n\n" + '"a" said "b", ' * 7_200
    doc = pipeline.annotator(text)  # the model's own time (linear) is not what is measured
    start = time.perf_counter()
    with time_limit(120):
        result = pipeline.extract(Document(id="r", source="r.txt", text=text), doc)
    seconds = time.perf_counter() - start
    assert seconds < 15, f"rule stages took {seconds:.1f} s on {len(text):,} characters"
    assert_offsets_point_into(result)


def test_time_budget_skips_the_document_and_the_batch_goes_on(pipeline: Pipeline, tmp_path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from parley.resolve.actors import ActorResolver

    real = ActorResolver.resolve

    def slow_on_marker(self, document, doc):
        if "Zaporizhzhia" in document.text:
            time.sleep(1.5)
        return real(self, document, doc)

    # on the class, not the shared pipeline's instance: restoring an instance attribute would leave it
    # shadowing the class for the rest of the session
    monkeypatch.setattr(ActorResolver, "resolve", slow_on_marker)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Talks in Antalya\n\n" + PARAGRAPH, encoding="utf-8")
    (folder / "b.txt").write_text("Inspection\n\nThe IAEA chief Rafael Grossi said his inspectors would return "
                                  "to the Zaporizhzhia plant and warned that shelling was unacceptable.",
                                  encoding="utf-8")
    store = SQLiteStore(tmp_path / "p.db")
    summary = run([str(folder)], store, pipeline, progress=False, time_budget=1.0)
    assert summary.stored == 1
    [skip] = store.skipped()
    assert skip.source.endswith("b.txt") and skip.reason.startswith("time budget exceeded")


def test_deadline_without_budget_never_expires() -> None:
    Deadline(None).check("anything")
    Deadline(0).check("anything")
    with pytest.raises(Exception, match="time budget exceeded"):
        late = Deadline(0.001)
        time.sleep(0.01)
        late.check("resolve")


def test_skipped_documents_are_not_results(pipeline: Pipeline) -> None:
    [skip] = pipeline.process_many([RawDocument("empty.txt", "   ")])
    assert isinstance(skip, Skipped)
