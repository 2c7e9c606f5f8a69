"""`panel serve --setup deploy/gc_freeze.py`: gc.freeze() once the server runs.

Panel runs a setup script before --warm builds the app, so this only schedules
the freeze on the event loop, which starts after the warm-up. Everything alive
then (modules, Bokeh and Panel classes, the warmed caches) moves to a permanent
generation that the collector no longer scans, so each visitor's collections
walk only that visitor's objects.
"""

import gc

from tornado.ioloop import IOLoop


def _freeze() -> None:
    gc.collect()
    gc.freeze()


IOLoop.current().add_callback(_freeze)
