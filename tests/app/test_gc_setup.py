"""deploy/gc_setup.py, serve.sh's --setup script: what it does to the collector."""

from __future__ import annotations

import asyncio
import gc
import runpy
import weakref

from gumbel_viz.app.memory import release_memory
from support.served import ROOT


class Cycle:
    partner: Cycle


def test_the_setup_freezes_the_warm_objects_and_spaces_full_collections() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        runpy.run_path(str(ROOT / "deploy" / "gc_setup.py"))
        assert gc.get_freeze_count() == frozen  # only scheduled: the warm-up runs first
        loop.run_until_complete(asyncio.sleep(0))  # the event loop starts
        assert gc.get_freeze_count() > frozen
        assert gc.get_threshold() == (before[0], before[1], 100)
        # A closed session's cycles are still freed when the app releases memory.
        session = Cycle()
        session.partner = Cycle()
        session.partner.partner = session
        gone = weakref.ref(session)
        del session
        release_memory()
        assert gone() is None
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        asyncio.set_event_loop(None)
        loop.close()
