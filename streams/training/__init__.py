"""`flamewatch train`: labelled data -> the fast tier's model file, with a leave-one-split-out report."""
