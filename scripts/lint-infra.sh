#!/usr/bin/env bash
# Offline checks of the infrastructure and workflows (make lint; docs/infrastructure.md).
# Installs its pinned tools idempotently into .tools/ (gitignored): a second run reuses them.
#   tofu fmt -check   OpenTofu, built from its module source via the Go module proxy (~3.5 min once)
#   tflint            Go module proxy (~2 min once), bundled Terraform ruleset
#   checkov           PyPI, in its own venv .tools/checkov-venv (its pins would otherwise
#                     move packages of the project's .venv)
#   actionlint        Go module proxy (~15 s once), every workflow
# `tofu validate` is not run: it needs the AWS and GitHub providers from the provider
# registry, which this build machine cannot reach. The HCL invariants are tested by
# tests/infra/test_infra.py (part of make test).
set -euo pipefail
cd "$(dirname "$0")/.."

TOFU_VERSION=v1.12.6
TFLINT_VERSION=v0.64.0
ACTIONLINT_VERSION=v1.7.12
CHECKOV_VERSION=3.3.30

tools="$PWD/.tools"
bin="$tools/bin"
mkdir -p "$bin"
GO="${GO:-$(bash scripts/setup-go.sh)}"
# auto: a module whose go.mod asks for a newer Go gets that toolchain from the module proxy.
export GOPATH="$tools/go" GOCACHE="$tools/go-cache" GOFLAGS=-modcacherw GOTOOLCHAIN=auto

stamp_ok() { [ -x "$bin/$1" ] && [ "$(cat "$tools/$1.version" 2>/dev/null)" = "$2" ]; }

go_install() { # name module@version
  local name="$1" pkg="$2" version="${2##*@}"
  stamp_ok "$name" "$version" && return 0
  echo "lint-infra: building $pkg (once)"
  local start=$SECONDS
  GOBIN="$bin" "$GO" install "$pkg"
  echo "$version" > "$tools/$name.version"
  echo "lint-infra: $name built in $((SECONDS - start)) s"
}

install_tofu() {
  stamp_ok tofu "$TOFU_VERSION" && return 0
  # `go install github.com/opentofu/opentofu/cmd/tofu@v...` is refused: OpenTofu's go.mod has
  # a replace directive (its hcl fork). Building inside the downloaded module honours it.
  echo "lint-infra: building OpenTofu $TOFU_VERSION from its module source (once, a few minutes)"
  local start=$SECONDS dir
  dir=$("$GO" mod download -json "github.com/opentofu/opentofu@$TOFU_VERSION" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$tools/src/opentofu"
  mkdir -p "$tools/src"
  cp -r "$dir" "$tools/src/opentofu"
  chmod -R u+w "$tools/src/opentofu"
  (cd "$tools/src/opentofu" && "$GO" build -o "$bin/tofu" ./cmd/tofu)
  echo "$TOFU_VERSION" > "$tools/tofu.version"
  echo "lint-infra: tofu built in $((SECONDS - start)) s"
}

install_checkov() {
  stamp_ok checkov "$CHECKOV_VERSION" && return 0
  echo "lint-infra: installing checkov $CHECKOV_VERSION into .tools/checkov-venv"
  python3 -m venv "$tools/checkov-venv"
  "$tools/checkov-venv/bin/pip" install -q "checkov==$CHECKOV_VERSION"
  ln -sf "$tools/checkov-venv/bin/checkov" "$bin/checkov"
  echo "$CHECKOV_VERSION" > "$tools/checkov.version"
}

go_install actionlint "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
go_install tflint "github.com/terraform-linters/tflint@$TFLINT_VERSION"
install_tofu
install_checkov

touch "$tools/tofurc"
export TF_CLI_CONFIG_FILE="$tools/tofurc"

echo "== tofu fmt -check ($TOFU_VERSION) =="
"$bin/tofu" fmt -check -recursive -diff infra/terraform

echo "== tflint ($TFLINT_VERSION) =="
"$bin/tflint" --chdir=infra/terraform --recursive --config="$PWD/infra/terraform/.tflint.hcl" -f compact

echo "== checkov ($CHECKOV_VERSION): no failed check, every skip justified in place =="
"$bin/checkov" -d infra/terraform --framework terraform --compact --quiet -o cli --skip-download

echo "== actionlint ($ACTIONLINT_VERSION) =="
"$bin/actionlint" .github/workflows/*.yml

echo "lint-infra: all checks passed"
