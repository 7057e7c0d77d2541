"""A toy training loop: no third-party packages, so it runs anywhere Python 3 does."""

import argparse
import json
import math
import os
import pathlib


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--model-dir", default="outputs/model")
    parser.add_argument("--data", default=None)
    args = parser.parse_args()

    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    print(f"train.py: rank {rank} of {world}, {args.epochs} epochs, lr {args.learning_rate}")

    if args.data:
        files = sorted(p for p in pathlib.Path(args.data).rglob("*") if p.is_file())
        rows = sum(len(p.read_text().splitlines()) for p in files)
        print(f"train.py: read {len(files)} data files, {rows} rows from {args.data}")

    loss = 2.3
    for epoch in range(1, args.epochs + 1):
        loss = loss * math.exp(-args.learning_rate * 10)
        print(f"epoch {epoch}/{args.epochs} loss={loss:.4f}", flush=True)

    if rank == 0:
        out = pathlib.Path(args.model_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "model.json").write_text(json.dumps({"loss": loss, "epochs": args.epochs}))
        print(f"train.py: model written to {out / 'model.json'}")
    print("train.py: done")


if __name__ == "__main__":
    main()
