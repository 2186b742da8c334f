"""deploy/k8s validates against the Kubernetes schemas, and says what the issue asks for.

kubeconform (installed by .ci/run from the Go module proxy) does the schema check when it is
available; without it the same schemas are checked with kubernetes-validate's own validator,
so a developer without Go still gets the check. CI requires kubeconform.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
VERSION = "1.33.0"


def kubeconform() -> str | None:
    found = shutil.which("kubeconform")
    if found:
        return found
    candidate = Path(os.environ.get("GOBIN", Path.home() / "go" / "bin")) / "kubeconform"
    return str(candidate) if candidate.exists() else None


def documents() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_manifests_validate_with_kubeconform_or_the_same_schemas(tmp_path: Path) -> None:
    binary = kubeconform()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have kubeconform (deploy/k8s/install-kubeconform.sh)")
        import kubernetes_validate

        for doc in documents():
            kubernetes_validate.validate(doc, VERSION, strict=True)
        return
    run = subprocess.run([str(K8S / "validate.sh"), binary], capture_output=True, text=True,
                         env={**os.environ, "PYTHON": os.environ.get("PYTHON", _python())})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Invalid: 0, Errors: 0" in run.stdout
    # ... and it does catch a broken manifest.
    broken = tmp_path / "k8s"
    shutil.copytree(K8S, broken)
    text = (broken / "console.yaml").read_text().replace("containerPort: 6067",
                                                          "containerPort: \"x\"\n          bogus: 1")
    (broken / "console.yaml").write_text(text)
    run = subprocess.run([str(broken / "validate.sh"), binary], capture_output=True, text=True,
                         env={**os.environ, "PYTHON": _python()}, cwd=ROOT)
    assert run.returncode != 0 and "bogus" in run.stdout, run.stdout + run.stderr


def _python() -> str:
    import sys

    return sys.executable


def test_manifests_have_probes_volume_secret_and_one_console() -> None:
    docs = documents()
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert {("Deployment", "flamewatch-worker"), ("Deployment", "flamewatch-console"),
            ("Service", "flamewatch-console"), ("Service", "flamewatch-worker"),
            ("ConfigMap", "flamewatch-config"), ("Secret", "flamewatch-console"),
            ("PersistentVolumeClaim", "flamewatch-console-data")} <= kinds
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    for name, dep in deployments.items():
        if name == "flamewatch-encoder":  # no web port: no HTTP probes
            continue
        [container] = dep["spec"]["template"]["spec"]["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
    console = deployments["flamewatch-console"]["spec"]
    assert console["replicas"] == 1 and console["strategy"]["type"] == "Recreate"
    volumes = {v["name"]: v for v in console["template"]["spec"]["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == "flamewatch-console-data"


def test_the_deployed_scorer_has_the_stage_it_needs() -> None:
    """rules+fast+encoder holds unsure comments for the encoder stage's opinion: wherever the
    deploy configs choose it, an encoder stage runs (k8s replicas, a compose service)."""
    config = next(d for d in documents()
                  if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "flamewatch-config")
    encoder = next(d for d in documents()
                   if d["kind"] == "Deployment" and d["metadata"]["name"] == "flamewatch-encoder")
    uses_encoder = config["data"]["FLAMEWATCH_SCORER"].endswith("+encoder")
    assert (encoder["spec"]["replicas"] >= 1) == uses_encoder
    env = dict(line.split("=", 1) for line in (ROOT / "deploy" / "flamewatch.env").read_text()
               .splitlines() if line.strip() and not line.startswith("#"))
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    stage = [s for s in compose.values() if s.get("command") == ["encoder"]]
    assert bool(stage) == env["FLAMEWATCH_SCORER"].endswith("+encoder")
    assert uses_encoder  # the default: civil replies flagged 0.8% with it, 9.7% without
