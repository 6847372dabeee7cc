"""The learned detector: training data, a calibrated LightGBM model, and an honest evaluation.

Rules say what a person can check; the model weighs the same features jointly and gives a
probability that means what it says. Both read the feature table and nothing else (DESIGN §3.4).
"""
