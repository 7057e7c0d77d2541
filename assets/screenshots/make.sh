#!/usr/bin/env bash
# Regenerates the README's screenshots (assets/screenshots/*.svg) from the real amlc binary on
# the built-in emulator's demo workspace: tmux runs it in a 120x32 pane, each screen is captured
# with its colours (`tmux capture-pane -e -p`) and rendered to SVG by the Rust converter in
# tests/screenshots.rs. Needs tmux and a Rust toolchain; takes about ten seconds after the build.
# Run it when the UI changes, look at the result, commit it; `cargo test --test screenshots`
# then checks that each file is there, well formed and shows what it should.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v tmux >/dev/null || { echo "make.sh: tmux is needed (apt-get install tmux)" >&2; exit 1; }
exec cargo test --test screenshots -- --ignored --exact regenerate_screenshots
