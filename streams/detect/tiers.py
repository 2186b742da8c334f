"""Tiered scoring: rules for structure, a fast learned tier on every comment, and a hand-off
band for the encoder tier (a second opinion that arrives later as an event).

The rules find *whom* a reply is about (quotes set aside, negation, reported speech,
self-deprecation, outsiders, names). The fast tier reads the reply's own words plus the
rules' signals and says *whether* it attacks. A hostile reply addressed to a participant is an
attack on that participant unless the rules found it aims elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from streams.detect.findings import Reason
from streams.detect.learned.features import Signals
from streams.detect.learned.model import LinearModel
from streams.detect.scorer import Score, TargetKind

DEFAULT_MODEL = "fast.fwm"

Recorder = Callable[[str, Signals], None]
"""Called with (own words, signals) for every scored comment: how training sees the tier."""
InlineEncoder = Callable[[str, Signals], float]
"""The encoder tier called in line (offline commands); the worker asks it through a topic."""


@dataclass(frozen=True, slots=True)
class Decision:
    attack: float
    peer_heat: float
    target: TargetKind
    named_target: str | None
    reasons: tuple[Reason, ...]
    tier: str
    """Which tier decided the attack score: 'rules', 'fast' (or later 'encoder')."""
    fast: float | None
    """The fast tier's probability (None when it did not run)."""
    uncertain: bool
    """The fast tier is unsure: a second opinion from the encoder tier is worth asking."""


@dataclass(frozen=True, slots=True)
class TierConfig:
    uncertain_low: float = 0.1
    uncertain_high: float = 0.85
    """Fast-tier probabilities in [low, high) get the encoder's second opinion. 0.85 (was
    0.7): on six held-out pair splits (models trained on the 12 older splits) civil "you"
    replies flagged fell on four (blind5 14.6 -> 10.6%, blind8 3.2 -> 1.4%, blind12 5.9 ->
    4.9%, blind17 12.7 -> 9.0%), none rose, and F1 moved -0.025 to +0.006 (mean -0.008);
    more comments wait for the encoder stage."""
    heat_weight: float = 0.8
    """How much of the fast tier's probability counts as heat between participants."""
    encoder_weight: float = 0.6
    """Weight of the encoder's probability against the fast tier's when both scored."""
    rules_veto: float = 0.15
    """Rules that fire are overruled when the fast tier's probability is below this: the
    rules misread banter ("you absolute madman, congrats"), literal words ("your mum's
    journey"), self-deprecation ("what a muppet"). Only for a reply whose addressee is known:
    the model is unsure of itself without it (a reply that arrived before its parent). 0 turns
    it off. Measured: 11 of 16 rule false
    alarms on two new blind splits overruled and no true attack; leave-one-split-out on five
    older splits F1 0.861 -> 0.865 (docs/DETECTION.md)."""


class TieredScorer:
    """Rules + an optional fast learned model. Deterministic; no I/O after loading."""

    def __init__(
        self,
        model: LinearModel | None,
        config: TierConfig | None = None,
        recorder: Recorder | None = None,
        encoder: InlineEncoder | None = None,
        defer_uncertain: bool = False,
    ) -> None:
        self.model = model
        self.config = config or TierConfig()
        self.recorder = recorder
        self.encoder = encoder
        self.defer_uncertain = defer_uncertain
        """The encoder runs as its own stage: a comment the fast tier is unsure of is held
        below the attack threshold until its second opinion arrives (`SecondOpinion`), so the
        worker alerts on the same blended score as an offline command asking in line."""

    @property
    def name(self) -> str:
        if self.model is None:
            return "rules"
        return "rules+fast+encoder" if self.encoder is not None else "rules+fast"

    def decide(self, own: str, rule: Score, signals: Signals, threshold: float) -> Decision:
        if self.recorder is not None:
            self.recorder(own, signals)
        if self.model is None:
            return Decision(
                rule.attack, rule.peer_heat, rule.target, rule.named_target, rule.reasons,
                "rules", None, False,
            )
        pred, top = self.model.predict_lazily(own, signals)
        p = round(pred.probability, 3)
        cfg = self.config
        uncertain = cfg.uncertain_low <= p < cfg.uncertain_high
        rules_fired = rule.attack >= threshold and rule.target in ("second", "third", "named")
        peer = max(rule.peer_heat, round(p * cfg.heat_weight, 3))
        if rules_fired and p < cfg.rules_veto and signals.addressed:
            rules_fired = False  # the learned tier, trained on far more text, overrules them
            peer = round(p * cfg.heat_weight, 3)
        if rules_fired:
            return Decision(
                rule.attack, peer, rule.target, rule.named_target, rule.reasons, "rules", p,
                False,
            )
        target: TargetKind = rule.target
        if target in ("none", "bare"):
            target = _default_target(signals, own)
        reasons = rule.reasons
        if uncertain and self.encoder is not None:
            second = self.encoder(own, signals)
            attack = self.blend(p, second, p, "fast")
            if attack >= threshold:  # the same reason the worker gives when the opinion comes
                reasons = (opinion_note(second, p), *rule.reasons)
            peer = max(peer, round(second * cfg.heat_weight, 3))
            return Decision(attack, peer, target, rule.named_target, reasons, "encoder", p, False)
        if uncertain and self.defer_uncertain:
            held = round(min(p, threshold - 0.001), 3)  # decided when the opinion comes
            return Decision(held, peer, target, rule.named_target, reasons, "fast", p, True)
        if p >= threshold:
            words = ", ".join(f"'{w}'" for w, _ in top()) or "its overall wording"
            fields = (("p", f"{p:.2f}"), ("words", words))
            reasons = (Reason("model", "model {p}: {words}", fields=fields, tier="fast"), *reasons)
        return Decision(p, peer, target, rule.named_target, reasons, "fast", p, uncertain)

    def blend(self, fast: float | None, encoder: float, current: float, tier: str) -> float:
        """The attack score once the encoder's opinion arrived. The rules' own verdict
        stands (they only fire on explicit structure); otherwise the two models are mixed."""
        if tier == "rules":
            return current
        w = self.config.encoder_weight
        base = fast if fast is not None else current
        return round(w * encoder + (1.0 - w) * base, 3)


def opinion_note(encoder: float, fast: float | None, verdict: str = "") -> Reason:
    """'encoder: 0.91 (second opinion; fast tier 0.45)', optionally with a verdict."""
    return Reason(
        "second opinion",
        "{p} (second opinion; fast tier {fast}){verdict}",
        fields=(("p", f"{encoder:.2f}"), ("fast", f"{fast or 0:.2f}"), ("verdict", verdict)),
        tier="encoder",
    )


def _default_target(signals: Signals, own: str) -> TargetKind:
    """Nobody named by the rules: the addressee, unless the reply does not say 'you' and
    names another participant ("Okafor's a troll, don't feed him") or talks about 'him/her'."""
    low = f" {own.lower()} "
    second = any(f" {w} " in low or f" {w}'" in low for w in ("you", "your", "u", "ur"))
    if not second and signals.named:
        return "named"
    if not second and any(f" {w} " in low or f" {w}'" in low for w in ("he", "she", "him", "her")):
        return "third"
    return "second"


@cache
def default_model() -> LinearModel:
    """The model file that ships in the package (rebuilt by `make model`)."""
    ref = resources.files("streams.detect.learned") / DEFAULT_MODEL
    return LinearModel.from_bytes(ref.read_bytes(), f"streams/detect/learned/{DEFAULT_MODEL}")


def default_model_path() -> Path:
    return Path(str(resources.files("streams.detect.learned") / DEFAULT_MODEL))


def make_scorer(
    kind: str,
    model_path: Path | None = None,
    *,
    inline_encoder: bool = False,
    encoder_head: Path | None = None,
    config: TierConfig | None = None,
) -> TieredScorer:
    """'rules', 'rules+fast' or 'rules+fast+encoder'. With the encoder, the worker's scorer
    is 'rules+fast' holding the comments it is unsure of until the encoder stage's opinions
    arrive as events; offline commands pass `inline_encoder=True` to ask the encoder in line
    instead. Both alert on the same blended score."""
    if kind == "rules":
        return TieredScorer(None, config)
    if kind not in ("rules+fast", "rules+fast+encoder"):
        raise ValueError(f"unknown scorer {kind!r}: use rules, rules+fast or rules+fast+encoder")
    model = LinearModel.load(model_path) if model_path else default_model()
    if kind == "rules+fast+encoder" and inline_encoder:
        from streams.encoder.scorer import load_encoder  # needs flamewatch[encoder]

        return TieredScorer(model, config, encoder=load_encoder(encoder_head))
    return TieredScorer(model, config, defer_uncertain=kind == "rules+fast+encoder")
