"""Gansu (甘肃, 620000): profile, medium rules, the 6201 / 6202 receiver."""
