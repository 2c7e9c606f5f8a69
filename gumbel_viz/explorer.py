"""The explorer: one model per session, its controls, its views, and the page."""

from __future__ import annotations

import html
import io
import math
from urllib.parse import urlencode

import panel as pn
import param
from panel.viewable import Viewer

from .about import AboutView
from .annealing import AnnealingView
from .custom import DistributionEditor, format_numbers
from .export import standalone_html, state_csv
from .gradient_view import GradientView
from .memory import release_memory_soon
from .model import GumbelSoftmaxModel
from .montecarlo_view import DRAW_CHOICES, MonteCarloView
from .page import explorer_page
from .pipeline import PipelineView
from .simplex_view import SimplexView
from .temperature import TemperatureView
from .urlstate import LinkState, parse_query
from .verify import VerifyView
from .views import LOG10_TAU_BOUNDS, SampleView, prose, tau_slider

INTRO = (
    "Drag <b>τ</b> and watch the relaxed sample <b>y</b> = softmax((log π + g)/τ) move "
    "between a one-hot vector (τ → 0) and the uniform one (τ → ∞). The shaded class "
    "is argmax(log π + g): an exact draw from π (the Gumbel-Max trick), and the "
    "largest y at every τ."
)

URL_TAU_DELAY_MS = 300
# The active tab keeps the page's text colour (the dark theme's default is unreadable).
ACTIVE_TAB_CSS = (
    ".bk-tab.bk-active { color: inherit; background-color: inherit; font-weight: 600; }"
)

# URL name -> tab title, in tab order.
VIEWS = {
    "about": "About",
    "pipeline": "Under the hood",
    "temperature": "Temperature path",
    "monte-carlo": "Monte Carlo proof",
    "distribution": "Your distribution",
    "simplex": "Simplex density",
    "gradients": "Gradients",
    "annealing": "Annealing",
    "verify": "Verify",
}


class Explorer(Viewer):
    """The Gumbel-Softmax explorer for one session: controls, chart and views.

    ``Explorer()`` renders in a notebook; :meth:`page` wraps it in the served
    page, whose URL it keeps in sync (τ, seed, draw, k, a custom π, the view).
    """

    model = param.ClassSelector(class_=GumbelSoftmaxModel, constant=True)
    log10_tau = param.Number(0.0, bounds=LOG10_TAU_BOUNDS, doc="log10 of tau.")
    view = param.Selector(default="about", objects=list(VIEWS), doc="The open view.")
    shared_probabilities = param.String(
        default="", doc="pi as text when it must travel in a link (custom or kept)."
    )
    montecarlo_draws = param.Selector(
        default=100_000, objects=list(DRAW_CHOICES.values()), doc="Draws per Monte Carlo run."
    )

    def __init__(self, **params):
        """Keywords ``k``, ``tau`` and ``seed`` go to a new session model."""
        model_params = {k: params.pop(k) for k in ("k", "tau", "seed") if k in params}
        params.setdefault("model", GumbelSoftmaxModel(**model_params))
        super().__init__(**params)
        self.log10_tau = math.log10(self.model.tau)
        self.sample_view = SampleView(model=self.model)
        self.link_notice = pn.widgets.StaticText(value="", css_classes=["link-notice"])
        self.tau_slider = tau_slider(self)
        self.sample_view.link_tau_slider(self.tau_slider)
        self.controls = self._make_controls()
        # Views are built when first opened: building all of them would add
        # ~0.5 s to every session's start.
        self.views: dict[str, Viewer] = {}
        self._tab_bodies = {name: pn.Column(sizing_mode="stretch_width") for name in VIEWS}
        self.tabs = pn.Tabs(
            *[(VIEWS[name], body) for name, body in self._tab_bodies.items()],
            dynamic=True,
            active=list(VIEWS).index(self.view),
            sizing_mode="stretch_width",
            stylesheets=[ACTIVE_TAB_CSS],
        )
        self._open(self.view)
        self.tabs.param.watch(self._view_from_tab, "active")
        self.model.param.watch(self._share_probabilities, ["probabilities", "pinned"])

    def _build(self, name: str) -> Viewer:
        builders = {
            "about": AboutView,
            "pipeline": lambda: PipelineView(model=self.model),
            "temperature": self._build_temperature,
            "monte-carlo": self._build_montecarlo,
            "distribution": lambda: DistributionEditor(model=self.model),
            "simplex": lambda: SimplexView(model=self.model),
            "gradients": lambda: GradientView(model=self.model),
            "annealing": lambda: AnnealingView(
                tau_slider=self.tau_slider, bars=self.sample_view.bars
            ),
            "verify": lambda: VerifyView(model=self.model, bars=self.sample_view.bars),
        }
        return builders[name]()

    def _build_temperature(self) -> TemperatureView:
        view = TemperatureView(model=self.model)
        view.link_tau_slider(self.tau_slider)
        return view

    def _build_montecarlo(self) -> MonteCarloView:
        view = MonteCarloView(model=self.model, n_draws=self.montecarlo_draws)
        view.param.watch(lambda e: setattr(self, "montecarlo_draws", e.new), "n_draws")
        return view

    def _open(self, name: str) -> None:
        if name not in self.views:
            self.views[name] = self._build(name)
            self._tab_bodies[name].objects = [self.views[name]]

    @param.depends("montecarlo_draws", watch=True)
    def _draws_to_view(self) -> None:
        if "monte-carlo" in self.views:
            self.views["monte-carlo"].n_draws = self.montecarlo_draws

    # ------------------------------------------------------------------ syncing

    @param.depends("log10_tau", watch=True)
    def _tau_from_slider(self) -> None:
        if math.isclose(math.log10(self.model.tau), self.log10_tau, abs_tol=1e-12):
            return  # already there: keep tau exactly as set (e.g. 0.3 from a link)
        low, high = self.model.param.tau.bounds
        self.model.tau = min(max(10**self.log10_tau, low), high)

    @param.depends("model.tau", watch=True)
    def _slider_from_tau(self) -> None:
        target = math.log10(self.model.tau)
        if not math.isclose(self.log10_tau, target, abs_tol=1e-12):
            self.log10_tau = target

    def _view_from_tab(self, event: param.parameterized.Event) -> None:
        self.view = list(VIEWS)[event.new]

    @param.depends("view", watch=True)
    def _tab_from_view(self) -> None:
        self._open(self.view)
        self.tabs.active = list(VIEWS).index(self.view)

    def _share_probabilities(self, *_events: param.parameterized.Event) -> None:
        pinned = self.model.pinned
        self.shared_probabilities = format_numbers(self.model.probabilities) if pinned else ""

    # ------------------------------------------------------------------ links

    def apply_link(self, query: dict[str, str]) -> LinkState:
        """Apply a link's query (already-decoded strings); return what was used.

        Bad values are clamped or ignored (see :func:`urlstate.parse_query`) and
        listed in the returned notices and in the sidebar; nothing raises.
        """
        link = parse_query(query, list(VIEWS), self.param.montecarlo_draws.objects)
        if link.probabilities is not None and link.k is None:
            link.k = len(link.probabilities)
        # One at a time and in this order: a new seed restarts at draw 0.
        for name in ("k", "seed", "draw", "tau"):
            if (value := getattr(link, name)) is not None:
                setattr(self.model, name, value)
        if link.probabilities is not None:
            self.model.set_probabilities(link.probabilities)
        if link.view is not None:
            self.view = link.view
        if link.n is not None:
            self.montecarlo_draws = link.n
        # The browser redraws y when the tau slider moves, but the first render
        # must already show this tau.
        self.sample_view.refresh()
        if link.notices:
            items = "".join(f"<li>{html.escape(n)}</li>" for n in link.notices)
            self.link_notice.value = f"<b>Link adjusted:</b><ul>{items}</ul>"
        return link

    def sync_url(self) -> None:
        """Read the session's URL once (safely), then keep it in sync with the state."""
        location = pn.state.location
        if location is None:
            return
        link = self.apply_link({
            name: values[-1].decode("utf-8", "replace")
            for name, values in pn.state.session_args.items()
        })
        # Replace a tampered query before syncing, so sync never reads it, and
        # show the browser the clean one once the page is up.
        location.search = ""
        location.sync(self.model, {"k": "k", "seed": "seed", "draw": "draw"})
        self._follow_tau_in_url(location, pn.state.curdoc)
        location.sync(
            self, {"view": "view", "shared_probabilities": "p", "montecarlo_draws": "n"}
        )
        pn.state.onload(lambda: setattr(location, "search", "?" + urlencode(self.link_query())))
        if link.notices and pn.state.notifications is not None:
            message = "This link had values out of range; see the sidebar."
            pn.state.onload(lambda: pn.state.notifications.warning(message, duration=8000))

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

    def link_query(self) -> dict[str, str]:
        """The query that reproduces this session's state (with a seed, exactly)."""
        query = {
            "tau": repr(self.model.tau),
            "k": str(self.model.k),
            "draw": str(self.model.draw),
            "view": self.view,
            "n": str(self.montecarlo_draws),
        }
        if self.shared_probabilities:
            query["p"] = self.shared_probabilities
        if self.model.seed is not None:
            query["seed"] = str(self.model.seed)
        return query

    # ------------------------------------------------------------------ layout

    def _make_controls(self) -> pn.Column:
        m = self.model.param
        return pn.Column(
            self.tau_slider,
            pn.widgets.Button.from_param(
                m.resample, name="Resample", color="primary", sizing_mode="stretch_width"
            ),
            pn.widgets.Checkbox.from_param(
                m.keep_probabilities, name="Keep probabilities (new noise only)"
            ),
            pn.widgets.IntSlider.from_param(
                m.k, name="Number of classes k", sizing_mode="stretch_width"
            ),
            pn.widgets.IntInput.from_param(
                m.seed, name="Seed (blank: fresh randomness)", sizing_mode="stretch_width"
            ),
            pn.widgets.FileDownload(
                callback=lambda: io.StringIO(state_csv(self.model)),
                filename="gumbel-softmax-state.csv",
                label="Download state (CSV)",
                sizing_mode="stretch_width",
            ),
            pn.widgets.FileDownload(
                callback=lambda: io.StringIO(standalone_html(self.model)),
                filename="gumbel-softmax-sample.html",
                label="Download interactive HTML",
                sizing_mode="stretch_width",
            ),
            self.link_notice,
            sizing_mode="stretch_width",
        )

    def _main(self) -> pn.Column:
        return pn.Column(prose(INTRO), self.sample_view, self.tabs, sizing_mode="stretch_width")

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Row(
            pn.Column(self.controls, width=320), self._main(), sizing_mode="stretch_width"
        )

    def page(self) -> pn.Template:
        """The served page: controls in the sidebar, views in the main area."""
        self.sync_url()
        if pn.state.curdoc and pn.state.curdoc.session_context:
            pn.state.on_session_destroyed(release_memory_soon)
        return explorer_page(sidebar=self.controls, main=self._main())
