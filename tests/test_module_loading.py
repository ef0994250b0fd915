"""Module loading: enablement, blocking, dependency order and clear start-up errors."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest
import strawberry

from core.config import GraphQLSettings
from core.errors import ModuleLoadError, SchemaCompositionError
from core.gql.contribution import GraphQLContribution
from core.gql.schema import build_schema
from core.hookspecs import hookimpl
from core.instance import Instance
from core.module import ModuleInfo
from core.plugins import InstalledModule, dependency_order, load_modules
from core.testing import make_config
from tests.fixture_modules.alpha.module import AlphaItem, AlphaModule
from tests.fixture_modules.beta.module import BetaModule


@dataclass
class Bare:
    """A module with nothing but its identity."""

    info: ModuleInfo


def bare(name: str, requires: tuple[str, ...] = (), core: str = ">=0.1,<1") -> Bare:
    return Bare(ModuleInfo(name=name, version="1.0", label=name, requires=requires, core=core))


def test_enabled_modules_load_in_dependency_order_whatever_the_config_order():
    loaded = load_modules(["beta", "alpha"], extra=[BetaModule(), AlphaModule()])
    assert [m.name for m in loaded.modules] == ["alpha", "beta"]


def test_dependency_order_is_topological_and_stable():
    infos = {
        name: bare(name, requires).info
        for name, requires in [("d", ("b", "c")), ("c", ("a",)), ("b", ("a",)), ("a", ())]
    }
    order = dependency_order(infos)
    assert order.index("a") < order.index("b") < order.index("d")
    assert order.index("c") < order.index("d")


def test_installed_but_disabled_modules_are_blocked():
    loaded = load_modules(["seizures"])
    assert loaded.pm.get_plugin("seizures") is not None
    for name in ("suspects", "companies", "icomm", "update_manager"):
        assert loaded.pm.is_blocked(name)
        assert loaded.pm.get_plugin(name) is None


def test_a_disabled_module_is_never_imported():
    code = (
        "import sys\n"
        "from core.plugins import load_modules\n"
        "load_modules(['seizures'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('plugins.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "plugins.seizures.module" in out.stdout
    assert "plugins.suspects" not in out.stdout


def test_one_plugin_manager_per_instance(tmp_path):
    one = Instance(make_config("sqlite+aiosqlite:///:memory:", tmp_path, ["seizures"]))
    two = Instance(make_config("sqlite+aiosqlite:///:memory:", tmp_path, ["companies"]))
    assert one.pm is not two.pm
    assert one.module_names == ["seizures"] and two.module_names == ["companies"]


@pytest.mark.parametrize(
    ("enabled", "extra", "message"),
    [
        (["nosuch"], [], "not installed"),
        (["alpha", "alpha"], [AlphaModule()], "enabled twice"),
        (["seizures"], [bare("seizures")], "installed twice"),
        (["beta"], [BetaModule(), AlphaModule()], "requires ['alpha']"),
        (["old"], [bare("old", core=">=9")], "needs ncen core >=9"),
        (["weird"], [bare("weird", core="not a range")], "invalid core range"),
        (["x", "y"], [bare("x", ("y",)), bare("y", ("x",))], "cycle"),
    ],
)
def test_loading_errors_are_clear(enabled, extra, message):
    with pytest.raises(ModuleLoadError) as error:
        load_modules(enabled, extra=extra)
    assert message in str(error.value)


def test_entry_point_name_must_match_the_module_name():
    class Liar:
        info = ModuleInfo(name="other", version="1", label="x")

    with pytest.raises(ModuleLoadError, match="calls itself 'other'"):
        InstalledModule("liar", None, "test", Liar()).load()


def test_a_model_outside_the_module_prefix_is_refused(tmp_path):
    class Squatter:
        info = ModuleInfo(name="squatter", version="1", label="x")

        @hookimpl
        def register_models(self) -> list[type]:
            return [AlphaItem]

    with pytest.raises(ModuleLoadError, match="'alpha_item' outside its prefix 'squatter_'"):
        Instance(
            make_config("sqlite+aiosqlite:///:memory:", tmp_path, ["squatter"]),
            extra_modules=[Squatter()],
        )


def test_duplicate_query_field_names_both_modules():
    @strawberry.type
    class ClashQuery:
        @strawberry.field
        def alpha_items(self) -> int:
            return 1

    class Clash:
        info = ModuleInfo(name="clash", version="1", label="x")

        @hookimpl
        def register_graphql(self) -> GraphQLContribution:
            return GraphQLContribution(queries=[ClashQuery])

    loaded = load_modules(["alpha", "clash"], extra=[AlphaModule(), Clash()])
    with pytest.raises(SchemaCompositionError) as error:
        build_schema(loaded.pm, GraphQLSettings())
    assert "'alphaItems'" in str(error.value) or "'alpha_items'" in str(error.value)
    assert "'alpha'" in str(error.value) and "'clash'" in str(error.value)


def test_duplicate_type_names_both_modules():
    @strawberry.type(name="Shared")
    class One:
        x: int

    @strawberry.type(name="Shared")
    class Two:
        y: int

    def module_with(name: str, cls: type):
        class Contributor:
            info = ModuleInfo(name=name, version="1", label=name)

            @hookimpl
            def register_graphql(self) -> GraphQLContribution:
                return GraphQLContribution(types=[cls])

        return Contributor()

    loaded = load_modules(["one", "two"], extra=[module_with("one", One), module_with("two", Two)])
    with pytest.raises(
        SchemaCompositionError, match="'Shared' is contributed by both 'one' and 'two'"
    ):
        build_schema(loaded.pm, GraphQLSettings())
