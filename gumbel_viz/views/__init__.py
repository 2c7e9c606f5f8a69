"""The views of a session's model: one module per tab, named by its URL slug.

:mod:`.base` holds what they share (the :class:`~.base.View` base class, the
palette, figure defaults, the off-the-event-loop :class:`~.base.Worker`);
:mod:`.sample` is the main chart with its τ slider. Each view builds its figures
and sources once and afterwards only assigns new data.
"""
