"""Uncertainty notes: the signals, their merging into risks, and calibration math."""
