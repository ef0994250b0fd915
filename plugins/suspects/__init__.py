"""Suspect persons, their identity documents and means of conveyance."""
