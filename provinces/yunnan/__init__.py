"""Yunnan (云南, 530000): profile, the dynamic-library transport, 1191 / 1192 medium steps."""
