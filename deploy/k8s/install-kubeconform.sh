#!/usr/bin/env bash
# Install kubeconform from the Go module proxy into $GOBIN (default ~/go/bin).
# kubeconform v0.8.0 needs Go >= 1.26 to build. Go 1.21+ fetches that toolchain itself
# (GOTOOLCHAIN); Debian 12's apt golang (1.19) cannot, so the toolchain module is taken from
# the module proxy with `go mod download` and used directly.
set -euo pipefail
VERSION="${KUBECONFORM_VERSION:-v0.8.0}"
TOOLCHAIN="${KUBECONFORM_GO:-go1.26.8}"
export GOBIN="${GOBIN:-$HOME/go/bin}"
if [ -x "$GOBIN/kubeconform" ] || command -v kubeconform >/dev/null; then exit 0; fi
if ! command -v go >/dev/null; then
  for dir in /usr/local/go/bin /usr/lib/go/bin; do [ -x "$dir/go" ] && export PATH="$dir:$PATH" && break; done
fi
if ! command -v go >/dev/null; then
  echo "installing golang with apt"
  apt-get update -q && apt-get install -y -q --no-install-recommends golang-go ca-certificates
fi
minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ "${minor:-0}" -ge 26 ]; then
  go install "github.com/yannh/kubeconform/cmd/kubeconform@$VERSION"
elif [ "${minor:-0}" -ge 21 ]; then
  GOTOOLCHAIN="$TOOLCHAIN" go install "github.com/yannh/kubeconform/cmd/kubeconform@$VERSION"
else
  arch=$(go env GOARCH)
  mod="golang.org/toolchain@v0.0.1-$TOOLCHAIN.linux-$arch"
  dir=$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod go mod download -json "$mod" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  goroot="$(mktemp -d)/go"
  cp -r "$dir" "$goroot" && chmod -R u+w "$goroot" && chmod +x "$goroot"/bin/* "$goroot"/pkg/tool/*/*
  GOROOT="$goroot" GOTOOLCHAIN=local "$goroot/bin/go" install "github.com/yannh/kubeconform/cmd/kubeconform@$VERSION"
fi
"$GOBIN/kubeconform" -v
