"""deploy/precompress.py: the static files nginx serves, each with its .gz beside it."""

from __future__ import annotations

import gzip
import importlib.util
import os
from pathlib import Path

from support.served import ROOT

spec = importlib.util.spec_from_file_location("precompress", ROOT / "deploy" / "precompress.py")
precompress_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(precompress_module)
precompress = precompress_module.precompress

BUNDLE = b"console.log('bokeh');\n" * 200  # above nginx's gzip_min_length


def packages(tmp_path: Path) -> Path:
    site = tmp_path / "site-packages"
    (site / "bokeh/server/static/js").mkdir(parents=True)
    (site / "panel/dist/css").mkdir(parents=True)
    (site / "bokeh/server/static/js/bokeh.min.js").write_bytes(BUNDLE)
    (site / "panel/dist/css/tiny.css").write_text("a{}")
    (site / "panel/dist/logo.png").write_bytes(b"\x89PNG" + bytes(2000))
    return site


def test_every_file_is_linked_and_the_large_text_ones_compressed(tmp_path: Path) -> None:
    site, dest = packages(tmp_path), tmp_path / "static"
    precompress(site, dest)
    bundle = dest / "bokeh/server/static/js/bokeh.min.js"
    assert bundle.is_symlink() and bundle.read_bytes() == BUNDLE
    assert (
        gzip.decompress((dest / "bokeh/server/static/js/bokeh.min.js.gz").read_bytes()) == BUNDLE
    )
    assert (dest / "panel/dist/css/tiny.css").read_text() == "a{}"
    assert not (dest / "panel/dist/css/tiny.css.gz").exists()  # nginx sends it as it is
    assert not (dest / "panel/dist/logo.png.gz").exists()  # compressed already


def test_a_rerun_after_an_upgrade_follows_it(tmp_path: Path) -> None:
    site, dest = packages(tmp_path), tmp_path / "static"
    precompress(site, dest)
    source = site / "bokeh/server/static/js/bokeh.min.js"
    newer = b"console.log('bokeh 2');\n" * 200
    source.write_bytes(newer)
    later = source.stat().st_mtime + 10  # an upgrade writes the file after the .gz
    os.utime(source, (later, later))
    (site / "panel/dist/logo.png").unlink()
    precompress(site, dest)
    assert gzip.decompress((dest / "bokeh/server/static/js/bokeh.min.js.gz").read_bytes()) == newer
    assert (
        not (dest / "panel/dist/logo.png").exists()
        and not (dest / "panel/dist/logo.png").is_symlink()
    )
