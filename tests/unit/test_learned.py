"""The fast learned tier: features, the model file, deterministic training, freshness."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.detect import DetectConfig
from streams.detect.learned.features import FEATURE_VERSION, Signals, feature_names, tokens
from streams.detect.learned.model import MAGIC, LinearModel, ModelError
from streams.detect.tiers import default_model
from streams.evaluation.pairs import Pair
from streams.evaluation.splits import corpus_digest, discover
from streams.training.build import TRAIN_VERSION
from streams.training.corpus import Example, pair_examples
from streams.training.fit import FitConfig, fit

DATA = Path(__file__).resolve().parents[2] / "streams" / "evaluation" / "data"
QUIET = Signals(0.0, 0.0, 0.0, "none", False, True, False, False, 0.0, 0.0)


def test_tokens_undo_leetspeak_and_chat_spellings() -> None:
    assert tokens("u r an id1ot, ur such a l0ser") == [
        "you", "are", "an", "idiot", "your", "such", "a", "loser",
    ]
    assert tokens("2024 was fine") == ["2024", "was", "fine"]  # numbers stay numbers


def test_features_are_words_pairs_stems_and_rule_signals() -> None:
    text, sig = feature_names("You clearly cannot read.", QUIET)
    assert "w:clearly" in text and "b:cannot read" in text and "p:clear" in text
    assert "b:<s> you" in text and "b:read </s>" in text
    assert "2p" in sig and "opens_2p" in sig and "addressed" in sig and "bias" in sig
    hot = Signals(0.9, 0.9, 0.9, "second", True, True, False, False, 0.7, 0.0)
    sig_hot = feature_names("They are muppets.", hot)[1]
    assert {"outsider", "out&no2p", "ph>0.6"} <= set(sig_hot)
    assert not [s for s in sig_hot if s.startswith(("ra>", "rh>"))]  # rule scores stay out


def _toy_examples() -> list[Example]:
    rows = [
        ("you are a clueless clown", True),
        ("grow up and stop whining, nobody cares about you", True),
        ("you are pathetic and everyone here knows it", True),
        ("crawl back under your rock", True),
        ("you might want to check the 2019 figures", False),
        ("thanks, that is a fair point about the bus lane", False),
        ("the council is a bunch of clowns", False),
        ("have you tried restarting the router first?", False),
    ]
    return [
        Example("toy", f"t{i}", text, QUIET, label, "", "") for i, (text, label) in enumerate(rows)
    ]


def test_training_learns_and_is_byte_deterministic() -> None:
    cfg = FitConfig(dim=1 << 12, iterations=60)
    first = fit(_toy_examples(), cfg).to_bytes()
    second = fit(_toy_examples(), cfg).to_bytes()
    assert first == second
    model = LinearModel.from_bytes(first)
    attack = model.predict("you are a clueless clown", QUIET).probability
    civil = model.predict("you might want to check the figures", QUIET).probability
    assert attack > 0.5 > civil


def test_model_file_round_trip_keeps_predictions_and_explains() -> None:
    model = fit(_toy_examples(), FitConfig(dim=1 << 12, iterations=60))
    model.meta = {"data_sha256": "x"}
    back = LinearModel.from_bytes(model.to_bytes())
    for text in ("you are pathetic", "fair point about the lane"):
        assert back.predict(text, QUIET).probability == pytest.approx(
            model.predict(text, QUIET).probability, abs=1e-3
        )
    top = back.predict("you are pathetic and clueless", QUIET).top
    assert top and all(c > 0 for _, c in top)
    assert back.meta["data_sha256"] == "x"


def test_damaged_or_foreign_model_files_are_refused() -> None:
    good = fit(_toy_examples(), FitConfig(dim=1 << 10, iterations=5)).to_bytes()
    with pytest.raises(ModelError, match="not a Flamewatch model"):
        LinearModel.from_bytes(b"PK\x03\x04 something else")
    with pytest.raises(ModelError, match="damaged"):
        LinearModel.from_bytes(good[: len(MAGIC) + 40] + b"\n" + b"garbage")
    stale = good.replace(
        f'"feature_version":{FEATURE_VERSION}'.encode(), b'"feature_version":0'
    )
    with pytest.raises(ModelError, match="make model"):
        LinearModel.from_bytes(stale)


def test_pair_examples_see_what_the_worker_sees() -> None:
    pair = Pair("p1", "Ann", "Bus fares rise again.", "Ben", "Ann, you're a gullible fool.",
                "attack", "attack_named")
    (ex,) = pair_examples("s", [pair], DetectConfig())
    assert ex.label and ex.signals.addressed and ex.signals.lead_name
    assert ex.signals.rule_attack > 0.5 and "gullible" in ex.own


def test_the_shipped_model_is_fresh_against_the_data() -> None:
    """Fails when data, features or training changed without `make model`."""
    model = default_model()
    trained_on = model.meta["splits"]
    splits = [s for s in discover(DATA) if s.name in trained_on]
    assert sorted(s.name for s in splits) == sorted(n for n in trained_on if n != "feedback")
    assert model.meta["data_sha256"] == corpus_digest([(DATA, s) for s in splits]), "the data changed: run `make model`"
    assert model.meta["train_version"] == TRAIN_VERSION, "training changed: run `make model`"
    every = {s.name for s in discover(DATA)}
    assert every <= set(trained_on), f"splits not in the model: {every - set(trained_on)}"


def test_the_rules_verdict_that_heat_aims_elsewhere_is_a_feature() -> None:
    """A negated or reported insult: the words alone look like an attack; the rules' structural
    verdict reaches the fast tier as a signal (the core passes Score.elsewhere through)."""
    pair = Pair("p2", "Ann", "I feel so thick for missing that.", "Ben",
                "Nobody here thinks you're thick, it caught everyone out.", "none", "negation")
    (ex,) = pair_examples("s", [pair], DetectConfig())
    assert "negated" in ex.signals.elsewhere
    sig = feature_names(ex.own, ex.signals)[1]
    assert "else:negated" in sig
    assert not [s for s in feature_names(ex.own, QUIET)[1] if s.startswith("else:")]
    outsider_only = Signals(0.0, 0.6, 0.0, "none", True, True, False, False, 0.0, 0.0,
                            elsewhere=("outsider",))
    assert not [s for s in feature_names("They are useless.", outsider_only)[1]
                if s.startswith("else:")]  # outsiders have their own signal


def test_function_words_get_no_unigram_feature_but_keep_their_bigrams() -> None:
    """'you', 'your', 'maybe', 'lol' alone learned the writers' habits ("you are lol" scored
    0.99): only their bigrams are features."""
    from streams.detect.learned.features import Signals, feature_names

    s = Signals(0.0, 0.0, 0.0, "none", False, True, False, False, 0.0, 0.0)
    text, _ = feature_names("you are lol, maybe idiot", s)
    assert not {"w:you", "w:are", "w:lol", "w:maybe"} & set(text)
    assert {"b:you are", "b:are lol", "w:idiot"} <= set(text)
