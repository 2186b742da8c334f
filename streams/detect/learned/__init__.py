"""The fast learned tier: hashed features and a linear model (plain Python at run time)."""
