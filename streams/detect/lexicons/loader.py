"""Load lexicon data files: weighted phrases (TSV) and word sets (one per line).

A weighted file has one `phrase<TAB>weight[<TAB>kind]` per line; a word-set file one phrase
per line. `#` starts a comment line; blank lines are skipped. A phrase matches any run of
spaces or hyphens where it has a space, and an optional hyphen where it has one, so
"two-faced", "two faced" and "twofaced" may all be the same entry: the loader compares
phrases by that shape and rejects a file that lists one twice (a duplicate) or gives two
weights to it (a conflict), instead of letting the later line silently win.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
_SPACES = re.compile(r"[\s-]+")
_COMPACT = re.compile(r"[\s-]")


class LexiconError(ValueError):
    """A lexicon file is malformed, lists a phrase twice, or gives it two weights."""


def key(phrase: str) -> str:
    """Spaces and hyphens as one space: how matched text is looked up."""
    return _SPACES.sub(" ", phrase)


def compact(phrase: str) -> str:
    """Without spaces or hyphens: 'mouth-breather', 'mouth breather' and 'mouthbreather'."""
    return _COMPACT.sub("", phrase)


@dataclass(frozen=True, slots=True)
class Entry:
    phrase: str
    weight: float
    kind: str
    line: int


class Lexicon:
    """Weighted phrases of one file, looked up by the text a pattern matched."""

    __slots__ = ("_by_compact", "_by_key", "entries", "name")

    def __init__(self, name: str, entries: list[Entry]) -> None:
        self.name = name
        self.entries = tuple(entries)
        self._by_key = {key(e.phrase): e for e in entries}
        self._by_compact = {compact(e.phrase): e for e in entries}

    def __contains__(self, phrase: object) -> bool:
        return isinstance(phrase, str) and phrase in self._by_key

    def __iter__(self) -> Iterator[str]:
        return (e.phrase for e in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def phrases(self) -> tuple[str, ...]:
        return tuple(e.phrase for e in self.entries)

    def weights(self) -> dict[str, float]:
        """key(phrase) -> weight."""
        return {k: e.weight for k, e in self._by_key.items()}

    def entry(self, matched: str) -> Entry | None:
        """The entry a pattern built from this lexicon matched ('Mouth breather',
        'mouthbreather' and 'mouth-breather' are one entry), or None."""
        return self._by_key.get(key(matched)) or self._by_compact.get(compact(matched))

    def weight(self, matched: str) -> float | None:
        e = self.entry(matched)
        return e.weight if e is not None else None


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if raw.strip() and not raw.lstrip().startswith("#"):
            yield n, raw


def _phrase(path: Path, n: int, text: str) -> str:
    if not text or text != text.strip() or "  " in text:
        raise LexiconError(f"{path.name}:{n}: bad phrase {text!r}")
    return text


def _check_unique(
    path: Path,
    seen: dict[str, tuple[int, str, float | None]],
    phrase: str,
    n: int,
    weight: float | None,
) -> None:
    for form in dict.fromkeys((key(phrase), compact(phrase))):
        if form in seen:
            line, other, w = seen[form]
            what = "conflicting weights" if w != weight else "duplicate"
            raise LexiconError(
                f"{path.name}:{n}: {what}: {phrase!r} ({weight}) is {other!r} of line {line} ({w})"
            )
        seen[form] = (n, phrase, weight)


def load_weighted(path: Path, kinds: frozenset[str] = frozenset()) -> Lexicon:
    """`phrase<TAB>weight` lines (plus `<TAB>kind`, one of `kinds`, when kinds are given)."""
    entries: list[Entry] = []
    seen: dict[str, tuple[int, str, float | None]] = {}
    for n, raw in _lines(path):
        cols = raw.split("\t")
        if len(cols) != (3 if kinds else 2):
            raise LexiconError(
                f"{path.name}:{n}: expected {3 if kinds else 2} tab-separated columns"
            )
        phrase = _phrase(path, n, cols[0])
        try:
            weight = float(cols[1])
        except ValueError:
            raise LexiconError(f"{path.name}:{n}: weight {cols[1]!r} is not a number") from None
        if not 0.0 <= weight <= 1.0:
            raise LexiconError(f"{path.name}:{n}: weight {weight} is outside [0, 1]")
        kind = cols[2] if kinds else ""
        if kinds and kind not in kinds:
            raise LexiconError(f"{path.name}:{n}: kind {kind!r} is not one of {sorted(kinds)}")
        _check_unique(path, seen, phrase, n, weight)
        entries.append(Entry(phrase, weight, kind, n))
    return Lexicon(path.stem, entries)


def load_words(path: Path) -> tuple[str, ...]:
    """One phrase per line, in file order; a phrase listed twice is rejected."""
    lines: dict[str, int] = {}
    for n, raw in _lines(path):
        phrase = _phrase(path, n, raw)
        if phrase in lines:
            raise LexiconError(f"{path.name}:{n}: duplicate: {phrase!r} (line {lines[phrase]})")
        lines[phrase] = n
    return tuple(lines)
