"""Synthetic ratings: prompts, strategies, the engine that collects them, their records,
calibration, diagnostics and fidelity to real users."""
