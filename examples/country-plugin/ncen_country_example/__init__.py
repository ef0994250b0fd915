"""Example ncen country plugin."""
