"""The knowledge base: actors with roles, and the lexicons the extractors read.

Knowledge is data: every name, title, cue word and topic term lives in YAML under `kb/data/`, and users
add their own files with `--kb FILE`. This module only loads, validates and indexes that data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"
ACTOR_TYPES = {"PERSON", "ORG", "COUNTRY", "GROUP"}


class KBError(ValueError):
    """A knowledge-base file that does not follow the schema; the message names the file and entry."""


@dataclass(frozen=True)
class Role:
    title: str
    start: date | None = None
    end: date | None = None
    aliases: tuple[str, ...] = ()  # other ways the news names the office: 'EU foreign policy chief'

    def holds_on(self, day: date | None) -> bool:
        if day is None:
            return True
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass
class KBActor:
    id: str
    name: str
    type: str
    country: str | None = None
    aliases: list[str] = field(default_factory=list)
    metonyms: list[str] = field(default_factory=list)
    demonyms: list[str] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    member_of: list[str] = field(default_factory=list)
    note: str | None = None

    def role_on(self, day: date | None) -> str | None:
        """The role held on `day`; the latest role when the day is unknown or outside every role."""
        if not self.roles:
            return None
        current = [r for r in self.roles if day is not None and r.holds_on(day)]
        return (current or self.roles)[-1].title

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]

    @property
    def surnames(self) -> set[str]:
        """Last names of a person's names: later mentions say 'Rudenko' for 'Andrei Rudenko'."""
        if self.type != "PERSON":
            return set()
        out = set()
        for name in self.names:
            parts = name.split()
            if len(parts) >= 2:
                # "Di Maio", "von der Leyen": keep lower-case particles with the surname
                i = len(parts) - 1
                while i > 1 and parts[i - 1][:1].islower():
                    i -= 1
                if parts[i - 1] in {"Di", "De", "Van", "Von", "Le", "La", "Al", "El"} and i > 1:
                    i -= 1
                out.add(" ".join(parts[i:]))
        return out


def _parse_date(value: Any, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = str(value)
    for pattern, fill in ((r"\d{4}-\d{2}-\d{2}", ""), (r"\d{4}-\d{2}", "-01"), (r"\d{4}", "-01-01")):
        if re.fullmatch(pattern, text):
            return date.fromisoformat(text + fill)
    raise KBError(f"{where}: not a date: {value!r}")


def _actor_from(entry: dict[str, Any], where: str) -> KBActor:
    for key in ("id", "name", "type"):
        if not entry.get(key):
            raise KBError(f"{where}: actor without '{key}'")
    if entry["type"] not in ACTOR_TYPES:
        raise KBError(f"{where}: type {entry['type']!r} is not one of {sorted(ACTOR_TYPES)}")
    roles = [
        Role(str(r["title"]), _parse_date(r.get("start"), where), _parse_date(r.get("end"), where),
             tuple(str(a) for a in r.get("aliases") or []))
        for r in entry.get("roles") or []
    ]
    return KBActor(
        id=str(entry["id"]),
        name=str(entry["name"]),
        type=entry["type"],
        # a state is its own country: the export says so, and country checks can compare like with like
        country=entry.get("country") or (str(entry["id"]) if entry["type"] == "COUNTRY" else None),
        aliases=[str(a) for a in entry.get("aliases") or []],
        metonyms=[str(a) for a in entry.get("metonyms") or []],
        demonyms=[str(a) for a in entry.get("demonyms") or []],
        roles=roles,
        member_of=[str(a) for a in entry.get("member_of") or []],
        note=entry.get("note"),
    )


@dataclass
class KnowledgeBase:
    actors: dict[str, KBActor] = field(default_factory=dict)
    lexicon: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def add_file(self, path: Path) -> None:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise KBError(f"{path}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise KBError(f"{path}: the top level must be a mapping")
        for i, entry in enumerate(data.pop("actors", None) or []):
            actor = _actor_from(entry, f"{path.name}: actors[{i}]")
            # a later file (a user's --kb) overrides an entry with the same id
            self.actors[actor.id] = actor
        for key, value in data.items():
            self._merge_lexicon(key, value)
        self.files.append(str(path))

    def _merge_lexicon(self, key: str, value: Any) -> None:
        old = self.lexicon.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            for k, v in value.items():
                if isinstance(old.get(k), list) and isinstance(v, list):
                    old[k] = old[k] + [x for x in v if x not in old[k]]
                else:
                    old[k] = v
        elif isinstance(old, list) and isinstance(value, list):
            self.lexicon[key] = old + [x for x in value if x not in old]
        else:
            self.lexicon[key] = value

    def validate(self) -> None:
        for actor in self.actors.values():
            refs = ([actor.country] if actor.country else []) + actor.member_of
            for ref in refs:
                if ref not in self.actors:
                    raise KBError(f"actor {actor.id}: refers to unknown actor id {ref!r}")

    def words(self, key: str) -> list[str]:
        """A list-valued lexicon entry ('' keys absent give an empty list)."""
        value = self.lexicon.get(key) or []
        return list(value)

    def table(self, key: str) -> dict[str, Any]:
        return dict(self.lexicon.get(key) or {})

    def demonym_index(self) -> dict[str, str]:
        """Lower-cased demonym ('russian', 'russians', 'us') -> state actor id."""
        index: dict[str, str] = {}
        for actor in self.actors.values():
            for form in actor.demonyms:
                index.setdefault(form.lower(), actor.id)
        return index

    def surface_forms(self) -> Iterator[tuple[str, str, str]]:
        """(text, actor id, kind) for every name the annotator should recognise."""
        for actor in self.actors.values():
            for name in actor.names:
                yield name, actor.id, "name"
            for name in actor.metonyms:
                yield name, actor.id, "metonym"
            for name in sorted(actor.surnames):
                yield name, actor.id, "surname"


def load_kb(extra: Iterable[str | Path] = ()) -> KnowledgeBase:
    """The shipped KB plus the user's files, validated."""
    extra = tuple(str(p) for p in extra)
    return _load_kb(extra)


@lru_cache(maxsize=8)
def _load_kb(extra: tuple[str, ...]) -> KnowledgeBase:
    kb = KnowledgeBase()
    for path in sorted(DATA_DIR.glob("*.yaml")):
        kb.add_file(path)
    for path in extra:
        kb.add_file(Path(path))
    kb.validate()
    return kb
