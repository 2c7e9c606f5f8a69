"""The explorer: one model per session, its controls, its views, and the page."""

from __future__ import annotations

import html
import io
from urllib.parse import urlencode

import panel as pn
import param
from bokeh.events import ButtonClick
from bokeh.layouts import column
from bokeh.models import Button, RadioButtonGroup
from panel.viewable import Viewer

from ..core.numbers import format_numbers
from ..model import GumbelSoftmaxModel
from ..views.about import AboutView
from ..views.annealing import AnnealingView
from ..views.base import View, pressed, prose, set_from_python, static_text, widget_style
from ..views.code import CodeView
from ..views.distribution import DistributionView
from ..views.estimators import EstimatorsView
from ..views.monte_carlo import MonteCarloView
from ..views.pipeline import PipelineView
from ..views.pitfalls import PitfallsView
from ..views.sample import SampleView
from ..views.simplex import SimplexView
from ..views.temperature import TemperatureView
from ..views.topk import TopKView
from ..views.tour import TourView
from ..views.training import TrainingView
from ..views.verify import VerifyView
from .controls import Controls
from .downloads import standalone_html, state_csv
from .links import LinkState, parse_query
from .memory import release_memory_soon
from .page import explorer_page

#: The views in groups, each group one idea: the one registry of tabs, slugs and titles.
GROUPS: tuple[tuple[str, tuple[type[View], ...]], ...] = (
    ("Learn", (TourView, AboutView)),
    ("See", (PipelineView, TemperatureView, SimplexView)),
    ("Prove", (MonteCarloView, VerifyView, TopKView)),
    ("Train", (EstimatorsView, TrainingView, AnnealingView)),
    ("Use", (DistributionView, CodeView, PitfallsView)),
)
VIEWS: tuple[type[View], ...] = tuple(view for _, views in GROUPS for view in views)
SLUGS = [view.slug for view in VIEWS]
GROUP_OF = {view.slug: g for g, (_, views) in enumerate(GROUPS) for view in views}

INTRO = (
    "Drag <b>τ</b> and watch the relaxed sample <b>y</b> = softmax((log π + g)/τ) move "
    "between a one-hot vector (τ → 0) and the uniform one (τ → ∞). The shaded class "
    "is argmax(log π + g): an exact draw from π (the Gumbel-Max trick), and the "
    "largest y at every τ."
)
URL_TAU_DELAY_MS = 300
DOWNLOADS_LABEL = "Download state or chart…"


def view_titles(group: int) -> list[str]:
    """The titles of a group's views, the view buttons' labels."""
    return [view.title for view in GROUPS[group][1]]


def nav_buttons(labels: list[str], active: int, css_class: str) -> RadioButtonGroup:
    """A row of buttons that picks one view (or group), drawn as tabs (``nav.css``) and
    wrapping on a phone: one Bokeh model, where a row of tabs is one per tab plus a
    body each, and a Panel widget wraps its model at a cost (README, Benchmarks)."""
    return RadioButtonGroup(
        labels=labels,
        active=active,
        button_type="light",
        css_classes=["view-nav", css_class],
        stylesheets=[static_text("nav.css"), static_text("buttons.css")],
        sizing_mode="stretch_width",
        margin=(5, 10),
    )


class Explorer(Viewer):
    """The Gumbel-Softmax explorer for one session: controls, chart and views.

    ``Explorer()`` renders in a notebook; :meth:`page` wraps it in the served
    page, whose URL it keeps in sync (τ, seed, draw, k, a custom π, the view and
    the views' own link settings).
    """

    model = param.ClassSelector(class_=GumbelSoftmaxModel, constant=True)
    view = param.Selector(default="tour", objects=SLUGS, doc="The open view.")
    shared_probabilities = param.String(
        default="", doc="pi as text when it must travel in a link (custom or kept)."
    )

    def __init__(self, **params):
        """Keywords ``k``, ``tau`` and ``seed`` go to a new session model."""
        model_params = {k: params.pop(k) for k in ("k", "tau", "seed") if k in params}
        params.setdefault("model", GumbelSoftmaxModel(**model_params))
        super().__init__(**params)
        self.sample_view = SampleView(model=self.model)
        self.link_notice: pn.widgets.StaticText | None = None  # built for a link's notices
        self.downloads_button = self._make_downloads_button()
        self.inputs = Controls(self.model, self.sample_view.tau_slider)
        widgets = column(*self.inputs.widgets, self.downloads_button, sizing_mode="stretch_width")
        self.controls = pn.Column(  # the sidebar; the downloads join it when asked for
            pn.pane.Bokeh(widgets, sizing_mode="stretch_width"), sizing_mode="stretch_width"
        )
        # Views are built when first opened: building all of them would add
        # ~0.5 s to every session's start.
        self.views: dict[str, View] = {}
        self._layouts: dict[str, pn.viewable.Viewable] = {}  # each view laid out once
        self._settings: dict[str, dict[str, object]] = {}  # from a link, for unbuilt views
        self._location: pn.io.location.Location | None = None
        self._last_view = [views[0].slug for _, views in GROUPS]  # per group
        self.group_nav = nav_buttons([title for title, _ in GROUPS], 0, "view-groups")
        self.view_nav = nav_buttons(view_titles(0), 0, "views")
        # The main area: the chart and the view picker in one pane, then the open view.
        self.main = pn.Column(
            self.sample_view.pane(self.group_nav, self.view_nav), sizing_mode="stretch_width"
        )
        self.group_nav.on_change("active", self._view_from_group)
        self.view_nav.on_change("active", self._view_from_nav)
        self.model.param.watch(self._share_probabilities, ["probabilities", "pinned"])

    def build_view(self, slug: str) -> View:
        """The view ``slug``, built (once, with any settings from the link) if need be."""
        if slug not in self.views:
            cls = VIEWS[SLUGS.index(slug)]
            settings = self._settings.pop(slug, {})
            view = cls(model=self.model, main=self.sample_view, session=self, **settings)
            self.views[slug] = view
            self._layouts[slug] = pn.panel(view)
            if self._location is not None:
                self._follow_view_in_url(view)
        return self.views[slug]

    # ------------------------------------------------------------------ syncing

    def _view_from_group(self, _attr: str, _old: object, group: object) -> None:
        """A group pressed: show the view it showed last (anything else: as it was)."""
        if (chosen := pressed(group, len(GROUPS))) is not None:
            self.view = self._last_view[chosen]
        self._show_nav()

    def _view_from_nav(self, _attr: str, _old: object, index: object) -> None:
        """A view pressed among the open group's (anything else: as it was)."""
        views = GROUPS[GROUP_OF[self.view]][1]
        if (chosen := pressed(index, len(views))) is not None:
            self.view = views[chosen].slug
        self._show_nav()

    @param.depends("view", watch=True)
    def _show_view(self) -> None:
        self.build_view(self.view)
        group = GROUP_OF[self.view]
        self._last_view[group] = self.view
        with pn.io.hold():
            self._show_nav()
            self.main.objects = [self.main.objects[0], self._layouts[self.view]]

    def _show_nav(self) -> None:
        """Press the open view's group and the view among its group's."""
        group = GROUP_OF[self.view]
        index = [view.slug for view in GROUPS[group][1]].index(self.view)
        if self.group_nav.active != group:
            set_from_python(self.group_nav, active=group)
        if (self.view_nav.labels, self.view_nav.active) != (view_titles(group), index):
            set_from_python(self.view_nav, labels=view_titles(group), active=index)

    def _share_probabilities(self, *_events: param.parameterized.Event) -> None:
        pinned = self.model.pinned
        self.shared_probabilities = format_numbers(self.model.probabilities) if pinned else ""

    # ------------------------------------------------------------------ links

    def apply_link(self, query: dict[str, str]) -> LinkState:
        """Apply a link's query (already-decoded strings); return what was used.

        Bad values are clamped or ignored (see :func:`links.parse_query`) and
        listed in the returned notices and in the sidebar; nothing raises.
        """
        link = parse_query(query, VIEWS)
        if link.probabilities is not None and link.k is None:
            link.k = len(link.probabilities)
        # One at a time and in this order: a new seed restarts at draw 0.
        for name in ("k", "seed", "draw", "tau"):
            if (value := getattr(link, name)) is not None:
                setattr(self.model, name, value)
        if link.probabilities is not None:
            self.model.set_probabilities(link.probabilities)
        for slug, settings in link.settings.items():
            if slug in self.views:
                self.views[slug].param.update(**settings)
            else:
                self._settings[slug] = settings
        if link.view is not None:
            self.view = link.view
        # The browser redraws y when the tau slider moves, but the first render
        # must already show this tau.
        self.sample_view.refresh()
        self._show_link_notices(link.notices)
        return link

    def _show_link_notices(self, notices: list[str]) -> None:
        """List a link's adjustments in the sidebar (built only for a link that has some)."""
        if not notices and self.link_notice is None:
            return
        if self.link_notice is None:
            self.link_notice = pn.widgets.StaticText(css_classes=["link-notice"])
            self.controls.append(self.link_notice)
        items = "".join(f"<li>{html.escape(n)}</li>" for n in notices)
        self.link_notice.value = f"<b>Link adjusted:</b><ul>{items}</ul>" if notices else ""

    def sync_url(self) -> None:
        """Read the session's URL once (safely), then keep it in sync with the state."""
        location = pn.state.location
        if location is None:
            return
        self.apply_link(
            {
                name: values[-1].decode("utf-8", "replace")
                for name, values in pn.state.session_args.items()
            }
        )
        # Replace a tampered query before syncing, so sync never reads it, and
        # show the browser the clean one once the page is up.
        location.search = ""
        location.sync(self.model, {"k": "k", "seed": "seed", "draw": "draw"})
        self._follow_tau_in_url(location, pn.state.curdoc)
        location.sync(self, {"view": "view", "shared_probabilities": "p"})
        self._location = location
        for view in self.views.values():
            self._follow_view_in_url(view)
        pn.state.onload(lambda: setattr(location, "search", "?" + urlencode(self.link_query())))

    def _follow_tau_in_url(self, location: pn.io.location.Location, doc) -> None:
        """Write tau to the URL once it has rested for a moment.

        Syncing it on every key press would send a URL update per step while the
        user drags, competing with the repaint for the same frame.
        """
        pending = False

        def write() -> None:
            nonlocal pending
            pending = False
            location.update_query(tau=repr(self.model.tau))

        def schedule(_event: param.parameterized.Event) -> None:
            nonlocal pending
            if not pending:
                pending = True
                doc.add_timeout_callback(write, URL_TAU_DELAY_MS)

        self.model.param.watch(schedule, "tau")

    def _follow_view_in_url(self, view: View) -> None:
        """Write a view's link settings to the URL whenever they change.

        One way only: the URL was read once, by :meth:`apply_link`. A view is built
        while the tab switch that opens it is still being handled, before the URL
        says ``view=`` its slug; any update of the query re-applies the whole query
        to the synced parameters (``Location.sync``), so the first write carries the
        new ``view`` too, or it would switch the tab back.
        """
        location = self._location
        if not view.link_params:
            return
        location.update_query(view=self.view, **view.link_values())
        view.param.watch(
            lambda _event: location.update_query(**view.link_values()), list(view.link_params)
        )

    def link_query(self) -> dict[str, str]:
        """The query that reproduces this session's state (with a seed, exactly)."""
        query = {
            "tau": repr(self.model.tau),
            "k": str(self.model.k),
            "draw": str(self.model.draw),
            "view": self.view,
        }
        for view in VIEWS:
            if view.slug in self.views:
                query.update(self.views[view.slug].link_values())
            elif settings := self._settings.get(view.slug):
                query.update(
                    {q: str(settings[p]) for p, q in view.link_params.items() if p in settings}
                )
        if self.shared_probabilities:
            query["p"] = self.shared_probabilities
        if self.model.seed is not None:
            query["seed"] = str(self.model.seed)
        return query

    # ------------------------------------------------------------------ layout

    def _make_downloads_button(self) -> Button:
        """The downloads, built when asked for: the two ``FileDownload`` widgets cost
        every session's build ~6 ms more than this one button (README, Benchmarks)."""
        button = Button(
            label=DOWNLOADS_LABEL,
            css_classes=["reveals-downloads"],  # static/a11y.js moves the focus on
            sizing_mode="stretch_width",
            **widget_style(),
        )
        button.on_event(ButtonClick, lambda _event: self.show_downloads())
        return button

    def show_downloads(self) -> None:
        """Put the two downloads where the button that asks for them was."""
        if not self.downloads_button.visible:
            return
        set_from_python(self.downloads_button, visible=False)
        self.controls.extend(self._downloads())

    def _downloads(self) -> list[pn.widgets.FileDownload]:
        return [
            pn.widgets.FileDownload(
                callback=lambda: io.StringIO(state_csv(self.model)),
                filename="gumbel-softmax-state.csv",
                label="Download state (CSV)",
                css_classes=["first-download"],  # static/a11y.js moves the focus here
                sizing_mode="stretch_width",
            ),
            pn.widgets.FileDownload(
                callback=lambda: io.StringIO(standalone_html(self.model)),
                filename="gumbel-softmax-sample.html",
                label="Download interactive HTML",
                sizing_mode="stretch_width",
            ),
        ]

    def _main(self) -> pn.Column:
        self._show_view()  # built now, not before a link has chosen the view
        return self.main

    def __panel__(self) -> pn.viewable.Viewable:
        main = pn.Column(prose(INTRO), self._main(), sizing_mode="stretch_width")
        return pn.Row(pn.Column(self.controls, width=320), main, sizing_mode="stretch_width")

    def close(self) -> None:
        """The session has ended: its views let go of what would keep them alive."""
        for view in (self.sample_view, *self.views.values()):
            view.close()

    def page(self) -> pn.Template:
        """The served page: controls in the sidebar, views in the main area."""
        self.sync_url()
        if pn.state.curdoc and pn.state.curdoc.session_context:
            pn.state.on_session_destroyed(lambda _context: self.close())
            pn.state.on_session_destroyed(release_memory_soon)
        # The intro is the page's own HTML, not a model to build and send.
        return explorer_page(sidebar=self.controls, main=self._main(), intro=INTRO)
