import textwrap

import pytest

from parley.kb import KBError, KnowledgeBase, load_kb


def test_shipped_kb_is_large_and_valid(kb):
    people = [a for a in kb.actors.values() if a.type == "PERSON"]
    assert len(people) >= 150
    assert {"RUS", "UKR", "USA"} <= set(kb.actors)
    assert kb.lexicon["position_cues"] and kb.lexicon["topics"] and kb.lexicon["event_triggers"]


def test_metonyms_and_transliterations(kb):
    russia = kb.actors["RUS"]
    assert "Moscow" in russia.metonyms and any("Kremlin" in m for m in russia.metonyms)
    ukraine = kb.actors["UKR"]
    assert {"Kyiv", "Kiev"} <= set(ukraine.metonyms)
    podolyak = next(a for a in kb.actors.values() if a.name.startswith("Mykhailo Podolyak")
                    or "Podolyak" in a.name)
    assert any("Podolak" in alias for alias in podolyak.aliases)


def test_roles_are_time_bounded(kb):
    from datetime import date

    shoigu = next(a for a in kb.actors.values() if "Shoigu" in a.name)
    assert "Defen" in shoigu.role_on(date(2022, 5, 20))
    assert "Defen" not in shoigu.role_on(date(2025, 1, 1))


def test_user_file_extends_and_overrides(tmp_path):
    extra = tmp_path / "mine.yaml"
    extra.write_text(textwrap.dedent("""
        actors:
          - id: jane-envoy
            name: Jane Envoy
            type: PERSON
            country: NOR
            roles: [{title: Special Envoy of Norway, start: 2024-01-01}]
        places: [Atlantis]
    """))
    kb = load_kb([extra])
    assert kb.actors["jane-envoy"].role_on(None) == "Special Envoy of Norway"
    assert "Atlantis" in kb.words("places") and "Crimea" in kb.words("places")


def test_bad_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("actors:\n  - id: x\n    name: X\n    type: WIZARD\n")
    kb = KnowledgeBase()
    with pytest.raises(KBError, match="WIZARD"):
        kb.add_file(bad)
    dangling = tmp_path / "dangling.yaml"
    dangling.write_text("actors:\n  - {id: y, name: Y, type: PERSON, country: ZZZ}\n")
    with pytest.raises(KBError, match="ZZZ"):
        load_kb([dangling])
