"""The incident domain: pure Python, no UI, no storage, no clock reads."""
