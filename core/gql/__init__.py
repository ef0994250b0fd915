"""GraphQL composition: the one schema over core and the enabled modules."""
