"""Errors the core raises on purpose; the CLI prints them without a traceback."""


class NcenError(Exception):
    """Base class for every error meant to be shown to an operator as a plain message."""


class ConfigError(NcenError):
    """The configuration is invalid; the message names the key at fault."""


class ModuleLoadError(NcenError):
    """A module cannot be loaded: unknown, duplicate, unmet requirement or incompatible."""


class SchemaCompositionError(NcenError):
    """Module contributions to the GraphQL schema clash."""


class MigrationError(NcenError):
    """The database schema is missing or behind the installed code."""
