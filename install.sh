#!/usr/bin/env bash
# Puts a `cryptosphere` command on your PATH: publishes the program (Release) into PREFIX/lib/cryptosphere
# and links PREFIX/bin/cryptosphere to it. PREFIX defaults to ~/.local (whose bin is on PATH on most
# systems). Run it again after pulling changes; remove with: rm -r PREFIX/lib/cryptosphere PREFIX/bin/cryptosphere
#
# The program is compiled to native code (Native AOT: it starts in a few milliseconds), which needs a C
# toolchain to link (clang, or gcc). Without one, the ReadyToRun build is installed instead: the same program,
# run by the .NET runtime, slower to start.
set -euo pipefail
cd "$(dirname "$0")"
prefix="${1:-${PREFIX:-$HOME/.local}}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
lib="$prefix/lib/cryptosphere"
staging="$lib.new"
log="$(mktemp)"
trap 'rm -rf "$staging" "$log"' EXIT
rm -rf "$staging"
if dotnet publish src/CryptoSphere.Cli -c Release -o "$staging" --nologo -v quiet >"$log" 2>&1; then
  kind="Native AOT"
else
  echo "The native build failed (is a C toolchain, clang or gcc, installed?); its last lines:" >&2
  tail -n 5 "$log" >&2
  # CI sets this: there a missing native build is a failure, not a slower program.
  if [ "${CRYPTOSPHERE_REQUIRE_NATIVE:-}" = 1 ]; then
    exit 1
  fi
  echo "Installing the ReadyToRun build instead." >&2
  rm -rf "$staging"
  dotnet publish src/CryptoSphere.Cli -c Release -o "$staging" --nologo -v quiet -p:PublishAot=false -p:PublishReadyToRun=true
  kind="ReadyToRun"
fi
# Replaced whole, so that nothing of an earlier build of the other kind is left beside it.
rm -rf "$lib"
mv "$staging" "$lib"
mkdir -p "$prefix/bin"
ln -sfn "$lib/cryptosphere" "$prefix/bin/cryptosphere"
echo "Installed: $prefix/bin/cryptosphere ($kind)"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "Add it to your PATH: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
