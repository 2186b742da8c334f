#!/usr/bin/env bash
# Validate deploy/k8s/*.yaml with kubeconform against schemas built offline (see
# standalone_schemas.py). Usage: deploy/k8s/validate.sh [kubeconform binary]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
version="${K8S_VERSION:-1.33.0}"
kubeconform="${1:-$(command -v kubeconform || echo "${GOBIN:-$HOME/go/bin}/kubeconform")}"
python="${PYTHON:-$root/.venv/bin/python}"
cache="$root/.cache/k8s-schemas"
"$python" "$here/standalone_schemas.py" "$cache" --version "$version" >/dev/null
"$kubeconform" -strict -summary -kubernetes-version "$version" \
  -ignore-filename-pattern 'kustomization\.yaml$' \
  -schema-location "$cache/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
  "$here"/*.yaml
