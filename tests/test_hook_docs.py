"""Every hook is documented and tested, so a plugin author can trust docs/hooks.md.

A hook declared in core/hookspecs.py needs a `## <hook>` section in docs/hooks.md with its
signature (matching the hookspec's arguments) and an example, and its name must appear in the test
suite (a test that calls it or a fixture module that implements it). Same rule as datasette's.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from core import hookspecs

ROOT = Path(__file__).resolve().parent.parent
HOOKS_DOC = ROOT / "docs" / "hooks.md"
TESTS = ROOT / "tests"
_CODE_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _hook_names() -> list[str]:
    return sorted(
        name
        for name, obj in vars(hookspecs).items()
        if inspect.isfunction(obj) and hasattr(obj, "ncen_spec")
    )


HOOKS = _hook_names()


def _sections() -> dict[str, str]:
    """`## name` heading -> the text up to the next `## ` heading."""
    parts = re.split(r"^## +(\S+)[ \t]*\n", HOOKS_DOC.read_text(encoding="utf-8"), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _test_sources() -> dict[Path, str]:
    this = Path(__file__).resolve()
    return {
        path: path.read_text(encoding="utf-8")
        for path in sorted(TESTS.rglob("*.py"))
        if path.resolve() != this
    }


def test_hookspecs_are_found() -> None:
    assert {"register_models", "on_startup", "on_shutdown"} <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_doc_section_with_signature_and_example(hook: str) -> None:
    section = _sections().get(hook)
    assert section is not None, f"hook {hook!r} has no `## {hook}` section in docs/hooks.md"
    blocks = _CODE_BLOCK.findall(section)
    signature = next((b for b in blocks if re.search(rf"def {hook}\(.*\)\s*->", b, re.S)), None)
    assert signature is not None, (
        f"docs/hooks.md section {hook!r} has no ```python signature block "
        f"(`def {hook}(self, ...) -> ...`)"
    )
    examples = [b for b in blocks if b is not signature and b.strip()]
    assert examples, f"docs/hooks.md section {hook!r} has no ```python example block"

    documented = re.search(rf"def {hook}\((.*?)\)\s*->", signature, re.S)
    assert documented is not None
    doc_args = [
        arg.split(":")[0].strip()
        for arg in documented.group(1).split(",")
        if arg.strip() and arg.split(":")[0].strip() != "self"
    ]
    spec_args = list(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert doc_args == spec_args, (
        f"docs/hooks.md documents {hook}({', '.join(doc_args)}) "
        f"but core/hookspecs.py declares {hook}({', '.join(spec_args)})"
    )


def test_doc_sections_name_real_hooks() -> None:
    """A section for a hook that was renamed or removed would mislead plugin authors."""
    stale = sorted(set(_sections()) - set(HOOKS))
    assert not stale, f"docs/hooks.md documents hooks that core/hookspecs.py lacks: {stale}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_covered_by_a_test(hook: str) -> None:
    word = re.compile(rf"\b{hook}\b")
    users = [path for path, text in _test_sources().items() if word.search(text)]
    assert users, (
        f"hook {hook!r} appears in no file under tests/: add a test that implements or calls it"
    )
