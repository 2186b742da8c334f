"""The rule families, one module each, in the order they are applied to every sentence.

A rule (base.Rule) has a name, the cues it needs (the prefilter's index is built from them)
and `apply(sentence) -> [Finding]`. Style (capitals, exclamations) is applied to the whole
comment afterwards, and only amplifies heat that some rule found.
"""

from __future__ import annotations

from streams.detect.rules.base import Cues, Rule
from streams.detect.rules.condescension import Condescension
from streams.detect.rules.contempt import Contempt
from streams.detect.rules.frames import Frames
from streams.detect.rules.imperatives import Imperatives
from streams.detect.rules.insults import Insults
from streams.detect.rules.profanity import Profanity
from streams.detect.rules.sarcasm import Sarcasm
from streams.detect.rules.shaped import ShapedInsults
from streams.detect.rules.style import Style
from streams.detect.rules.third_person import ThirdPerson

RULES: tuple[Rule, ...] = (
    Insults(),
    ShapedInsults(),
    Contempt(),
    Imperatives(),
    Condescension(),
    ThirdPerson(),
    Frames(),
    Sarcasm(),
    Profanity(),
)
STYLE = Style()

__all__ = ["RULES", "STYLE", "Cues", "Rule"]
