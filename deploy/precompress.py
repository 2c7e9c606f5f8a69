"""Build the directory nginx serves BokehJS and Panel's files from, precompressed.

    python deploy/precompress.py SITE_PACKAGES DEST

DEST gets the same layout as site-packages for the two trees nginx serves
(``bokeh/server/static`` and ``panel/dist``): a symlink to every file, and beside
each script, stylesheet and JSON file its ``.gz`` (gzip level 9), which nginx
sends as it is (``gzip_static on``) instead of compressing 3.3 MB for every new
visitor: at level 5 that was ~70 ms of CPU per visitor on the server's own cores.
Run it again after every upgrade of Panel or Bokeh: it rebuilds what changed, and
removes what the upgrade removed. Standard library only.
"""

from __future__ import annotations

import gzip
import shutil
import sys
from pathlib import Path

TREES = ("bokeh/server/static", "panel/dist")
COMPRESSED = (".js", ".mjs", ".css", ".json", ".map", ".svg")
MIN_BYTES = 1024  # nginx's gzip_min_length: smaller files go as they are


def _compress(source: Path, target: Path) -> None:
    """``target`` (FILE.gz), unless it is already newer than ``source``."""
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return
    with source.open("rb") as raw, gzip.open(target, "wb", compresslevel=9) as packed:
        shutil.copyfileobj(raw, packed)


def _link(source: Path, target: Path) -> None:
    if not target.is_symlink() or target.resolve() != source.resolve():
        target.unlink(missing_ok=True)
        target.symlink_to(source)


def precompress(packages: Path, dest: Path) -> Path:
    """Fill ``dest`` from ``packages`` (see the module doc); return ``dest``."""
    for tree in TREES:
        root, mirror = packages / tree, dest / tree
        wanted: set[Path] = set()
        for source in root.rglob("*"):
            if not source.is_file():
                continue
            target = mirror / source.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            _link(source, target)
            wanted.add(target)
            if source.suffix in COMPRESSED and source.stat().st_size >= MIN_BYTES:
                packed = target.with_name(target.name + ".gz")
                _compress(source, packed)
                wanted.add(packed)
        for stale in [p for p in mirror.rglob("*") if p.is_file() or p.is_symlink()]:
            if stale not in wanted:  # removed by an upgrade
                stale.unlink()
    return dest


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    precompress(Path(sys.argv[1]), Path(sys.argv[2]))
