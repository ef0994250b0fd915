"""The built-in ncen modules; each one is found through the `ncen.modules` entry-point group."""
