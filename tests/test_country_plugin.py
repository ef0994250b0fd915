"""The example country plugin is installed as a separate distribution (`make install-dev`
installs it) and tested by its own suite, `examples/country-plugin/tests`, written with the test
kit only (`make test` runs it from that directory). Here: that it is a real third-party module,
found through the same entry-point group as the built-in ones."""

from __future__ import annotations

from importlib.metadata import entry_points

from core.plugins import ENTRY_POINT_GROUP


def test_the_plugin_is_installed_as_its_own_distribution():
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert "country_example" in found, "run `make install-dev`: it installs examples/country-plugin"
    assert found["country_example"].dist.name == "ncen-country-example"
