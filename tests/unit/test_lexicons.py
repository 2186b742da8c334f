"""Lexicon data files: the loader rejects duplicates and conflicting weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.detect import lexicons
from streams.detect.lexicons.loader import LexiconError, load_weighted, load_words


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_weighted_file_loads_with_comments_and_blank_lines(tmp_path: Path) -> None:
    lex = load_weighted(_file(tmp_path, "x.tsv", "# c\n\ngrow up\t0.8\nmouth-breather\t0.9\n"))
    assert lex.phrases == ("grow up", "mouth-breather")
    assert lex.weight("grow  up") == 0.8
    # one entry for the spaced, hyphenated and joined spellings
    for spelling in ("mouth breather", "mouth-breather", "mouthbreather"):
        assert lex.weight(spelling) == 0.9
    assert lex.weight("grown up") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("idiot\t1\nidiot\t1\n", "duplicate"),
        ("idiot\t1\nidiot\t0.9\n", "conflicting weights"),
        ("half-wit\t1\nhalfwit\t0.9\n", "conflicting weights"),
        ("two faced\t0.9\ntwo-faced\t0.9\n", "duplicate"),
        ("idiot\t1.5\n", "outside"),
        ("idiot\tlots\n", "not a number"),
        ("idiot 1\n", "columns"),
        (" idiot\t1\n", "bad phrase"),
    ],
)
def test_the_loader_rejects_bad_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(LexiconError, match=message):
        load_weighted(_file(tmp_path, "x.tsv", text))


def test_kinds_are_checked(tmp_path: Path) -> None:
    kinds = frozenset({"noun", "adj"})
    assert (
        load_weighted(_file(tmp_path, "a.tsv", "fool\t1\tnoun\n"), kinds).entries[0].kind == "noun"
    )
    with pytest.raises(LexiconError, match="kind"):
        load_weighted(_file(tmp_path, "b.tsv", "fool\t1\tverb\n"), kinds)


def test_word_sets_reject_duplicates(tmp_path: Path) -> None:
    assert load_words(_file(tmp_path, "a.txt", "# x\nyou\nya\n")) == ("you", "ya")
    with pytest.raises(LexiconError, match="duplicate"):
        load_words(_file(tmp_path, "b.txt", "you\nya\nyou\n"))


def test_the_shipped_lexicons_load_and_resolve_the_old_double_weights() -> None:
    insults = lexicons.INSULTS
    assert len(insults) > 600
    # hand-set strengths win over the broad trait list that used to overwrite them
    assert insults.weight("thick") == 1.0 and insults.weight("clueless") == 1.0
    assert insults.weight("useless") == 0.8 and insults.weight("liar") == 1.0
    assert insults.weight("halfwit") == insults.weight("half-wit") == 1.0
    assert lexicons.CONDESCENSION.weight("pea-brained") == 0.9
    assert "you" in lexicons.SECOND and "government" in lexicons.OUTSIDERS
