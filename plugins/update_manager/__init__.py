"""Signed, versioned updates with backup and rollback."""
