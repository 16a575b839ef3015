"""Guangdong (广东, 440000) and Dongguan (东莞, 441900): profiles, card reader, extras."""
