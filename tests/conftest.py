"""Shared fixtures: the knowledge base, one loaded pipeline per test session, and paths to shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "corpus" / "seeds"
GOLD = SHARED / "gold"
BENCH = SHARED / "bench"
EXAMPLES = REPO / "examples" / "corpus"


@pytest.fixture(scope="session")
def kb():
    from parley.kb import load_kb

    return load_kb()


@pytest.fixture(scope="session")
def pipeline(kb):
    from parley.pipeline import Pipeline

    return Pipeline(kb)


def needs(path: Path) -> pytest.MarkDecorator:
    """Skip a test when shared data it reads is not beside the repository."""
    return pytest.mark.skipif(not path.exists(), reason=f"{path} not present")
