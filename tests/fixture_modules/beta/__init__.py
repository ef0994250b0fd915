"""A test module that requires `alpha` and adds one query field."""
