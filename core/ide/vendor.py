"""Refresh the GraphiQL and React files shipped in `core/ide/static/` from the npm registry.

    python -m core.ide.vendor                          # the versions pinned below
    python -m core.ide.vendor --graphiql 4.1.2 --react 18.3.1

Needs `npm` (it runs `npm pack`, which checks each tarball against the registry's integrity
hash). Writes the files, each package's licence, and `static/manifest.json` naming the package,
version, tarball integrity and the SHA-256 of every file; `tests/test_ide.py` checks the files
against that manifest. Review the diff and try GraphiQL in a browser before committing.

GraphiQL 4 is the last major version with a UMD build (a single script that needs no bundler);
it needs React 18, whose UMD builds are the last React ships.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
MANIFEST = STATIC / "manifest.json"
GRAPHIQL_VERSION = "4.1.2"
REACT_VERSION = "18.3.1"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    # path inside the tarball -> name shipped in static/
    files: dict[str, str]


def packages(graphiql: str, react: str) -> list[Package]:
    return [
        Package(
            "graphiql",
            graphiql,
            {
                "package/graphiql.js": "graphiql.min.js",
                "package/graphiql.min.css": "graphiql.min.css",
                "package/LICENSE": "graphiql.LICENSE.txt",
            },
        ),
        Package(
            "react",
            react,
            {
                "package/umd/react.production.min.js": "react.production.min.js",
                "package/LICENSE": "react.LICENSE.txt",
            },
        ),
        Package(
            "react-dom",
            react,
            {
                "package/umd/react-dom.production.min.js": "react-dom.production.min.js",
                "package/LICENSE": "react-dom.LICENSE.txt",
            },
        ),
    ]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(package: Package, workdir: Path) -> dict[str, object]:
    """`npm pack` the package, copy the wanted files into static/, return its manifest entry."""
    spec = f"{package.name}@{package.version}"
    output = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    [packed] = json.loads(output)
    with tarfile.open(workdir / packed["filename"]) as tarball:
        for member, name in package.files.items():
            source = tarball.extractfile(member)
            if source is None:
                raise SystemExit(f"{spec}: {member} is not a file")
            with (STATIC / name).open("wb") as target:
                shutil.copyfileobj(source, target)
    return {
        "package": package.name,
        "version": packed["version"],
        "integrity": packed["integrity"],
        "files": {name: sha256(STATIC / name) for name in package.files.values()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--graphiql", default=GRAPHIQL_VERSION)
    parser.add_argument("--react", default=REACT_VERSION)
    args = parser.parse_args()
    STATIC.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        entries = [fetch(p, Path(workdir)) for p in packages(args.graphiql, args.react)]
    MANIFEST.write_text(json.dumps({"source": "npm", "packages": entries}, indent=2) + "\n")
    for entry in entries:
        files = entry["files"]
        assert isinstance(files, list)
        print(f"{entry['package']} {entry['version']}: {', '.join(files)}")


if __name__ == "__main__":
    main()
