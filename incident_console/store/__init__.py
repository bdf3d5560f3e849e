"""The state file: one TinyDB JSON document, written atomically and shared safely between processes."""
