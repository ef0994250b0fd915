"""Stock: a fixture ncen module whose releases the update tests build and apply."""

__version__ = "0.0.0"
# Release 2 adds the `quantity` column (migration stock_0002); release 3 ships a migration
# that fails, to prove the rollback.
RELEASE = int(__version__.split(".")[0])
