"""The benchmark suite behind `flamewatch bench` (see docs/PERFORMANCE.md for what it
measures, the latest numbers and the targets they are held against).

Installed with the package (`pip install flamewatch` ships it) so that `flamewatch bench`
works anywhere; processes, topics and producing come from streams/harness.py.
"""
