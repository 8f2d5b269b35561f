from parley.dedupe import NEAR_DUPLICATE, signature
from parley.pipeline import run
from parley.store.sqlite import SQLiteStore

STORY = ("Ceasefire talks resume in Geneva\n\nDelegations from both sides met in Geneva on Monday for a new "
         "round of talks on a ceasefire, the first in three months. The mediator said the meeting was "
         "constructive and that both delegations had agreed to exchange lists of prisoners before the next "
         "session. A second round is expected next week, officials said, although no date has been set. "
         "Both governments have said they want a durable truce, but they disagree on the sequence of steps.")


def test_signature_separates_copies_from_other_stories():
    copy = STORY.replace("Ceasefire talks resume in Geneva", "Geneva hosts new ceasefire round") + " (Reuters)"
    other = "Grain ships leave Odesa\n\n" + " ".join(f"Word{i} cargo vessel port departed" for i in range(40))
    s, c, o = signature(STORY), signature(copy), signature(other)
    assert s.similarity(c) >= NEAR_DUPLICATE
    assert s.similarity(o) < 0.2
    assert set(s.bands()) & set(c.bands())
    assert signature("too short") is None


def test_signature_is_stable_across_runs():
    assert signature(STORY).dumps() == signature(STORY).dumps()


def test_near_duplicate_is_skipped_with_its_original(tmp_path, pipeline):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(STORY, encoding="utf-8")
    (folder / "b.txt").write_text(STORY.replace("Ceasefire talks resume in Geneva", "Geneva round of talks opens")
                                  + "\n\nCopyright wire service.", encoding="utf-8")
    store = SQLiteStore(tmp_path / "d.db")
    summary = run([str(folder)], store, pipeline, progress=False)
    assert summary.stored == 1 and summary.duplicates == 1
    reason = store.skipped()[0].reason
    assert reason.startswith("near-duplicate of") and "a.txt" in reason
    from parley.store.base import MIGRATIONS

    assert store.query_one("SELECT MAX(version) AS v FROM schema_version")["v"] == len(MIGRATIONS)
