"""The principal database of seizures and offences."""
