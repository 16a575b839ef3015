"""Suite-wide plugins: the personal-data scan at the end of every run (see tests/pii_scan.py)."""

pytest_plugins = ["tests.pii_scan"]
