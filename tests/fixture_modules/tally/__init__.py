"""Test module `tally`: records whose changes are record events, and subscribers of them."""
