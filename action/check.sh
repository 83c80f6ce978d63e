#!/usr/bin/env bash
# The GitHub Action's check step: build tailos from the action's checkout,
# run `tailos check -o sarif`, and hand the exit status to the next steps.
# Exit status 1 (error findings) lets the SARIF upload run first; 2 (input
# that could not be checked) fails here, because it is never "clean".
set -uo pipefail

: "${GITHUB_ACTION_PATH:?}" "${GITHUB_OUTPUT:?}" "${RUNNER_TEMP:?}"
paths=${INPUT_PATHS:-.}
sarif=${INPUT_SARIF_FILE:-tailos.sarif}

bin="$RUNNER_TEMP/tailos-bin/tailos"
if ! (cd "$GITHUB_ACTION_PATH" && go build -trimpath -o "$bin" ./cmd/tailos); then
	echo "::error::building tailos from $GITHUB_ACTION_PATH failed"
	exit 2
fi

# Word splitting of the inputs is intended: paths and flags are lists.
# shellcheck disable=SC2086
"$bin" check -o sarif ${INPUT_ARGS:-} $paths >"$sarif.tmp"
code=$?
echo "exit-code=$code" >>"$GITHUB_OUTPUT"
case $code in
0 | 1)
	mv "$sarif.tmp" "$sarif"
	echo "sarif-file=$sarif" >>"$GITHUB_OUTPUT"
	# A readable summary in the job log, from the same run's SARIF.
	"$bin" check ${INPUT_ARGS:-} $paths >&2 || true
	exit 0
	;;
*)
	rm -f "$sarif.tmp"
	echo "::error::tailos check could not check the input (exit status $code)"
	exit "$code"
	;;
esac
