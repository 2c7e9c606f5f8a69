"""`panel serve --setup deploy/gc_setup.py`: the collector tuned for a burst of sessions.

Panel runs a setup script before --warm builds the app, so this only schedules
the change on the event loop, which starts after the warm-up:

* ``gc.freeze()``: everything alive then (modules, Bokeh and Panel classes, the
  warmed caches) moves to a permanent generation that the collector no longer
  scans, so each visitor's collections walk only that visitor's objects.
* Full collections at most every 100 (not 10) collections of the middle
  generation. A burst holds dozens of live sessions, and each full collection walks
  all of them; the sessions' garbage does not wait for it, since Panel collects
  once sessions are destroyed and so does ``gumbel_viz/app/memory.py``.
"""

import gc

from tornado.ioloop import IOLoop

FULL_COLLECTION_EVERY = 100  # middle-generation collections (Python's default: 10)


def _tune() -> None:
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


IOLoop.current().add_callback(_tune)
