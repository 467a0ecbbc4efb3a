#!/usr/bin/env bash
# Puts a `cryptosphere` command on your PATH: publishes the program (Release) into PREFIX/lib/cryptosphere
# and links PREFIX/bin/cryptosphere to it. PREFIX defaults to ~/.local (whose bin is on PATH on most
# systems). Run it again after pulling changes; remove with: rm -r PREFIX/lib/cryptosphere PREFIX/bin/cryptosphere
set -euo pipefail
cd "$(dirname "$0")"
prefix="${1:-${PREFIX:-$HOME/.local}}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet publish src/CryptoSphere.Cli -c Release -o "$prefix/lib/cryptosphere" --nologo -v quiet
mkdir -p "$prefix/bin"
ln -sfn "$prefix/lib/cryptosphere/cryptosphere" "$prefix/bin/cryptosphere"
echo "Installed: $prefix/bin/cryptosphere"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "Add it to your PATH: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
