"""The ncen core: configuration, module host, database, GraphQL composition and CLI."""

__version__ = "0.1.0"
