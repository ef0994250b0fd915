"""Business entities of interest to customs."""
