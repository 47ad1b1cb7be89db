"""Copy the release notebooks into a learner's own folder, never overwriting work.

``python -m mlinterview.workspace mywork`` (what ``make lab`` runs) copies
each ``release/<aid>/<nb>.ipynb`` to ``mywork/<aid>/<nb>.ipynb`` unless that
file already exists, so ``git pull`` updates the course without touching a
learner's answers.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .course import find_root


def populate(root: Path, target: Path) -> list[Path]:
    copied = []
    for nb in sorted((root / "release").glob("*/*.ipynb")):
        dest = target / nb.parent.name / nb.name
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(nb, dest)
            copied.append(dest)
    return copied


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = find_root()
    target = root / (args[0] if args else "mywork")
    copied = populate(root, target)
    for p in copied:
        print(f"new notebook for you: {p.relative_to(root)}")
    print(f"your notebooks are in {target.relative_to(root)}/ (never overwritten by the course)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
