"""Messages between users and with connected instances and the global database."""
