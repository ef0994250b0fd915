"""Test subscribers of record events (no tables of their own)."""
