"""The explorer: one model per session, its controls, its views, and the page."""

from __future__ import annotations

import math

import panel as pn
import param
from panel.viewable import Viewer

from .model import GumbelSoftmaxModel
from .page import explorer_page
from .views import LOG10_TAU_BOUNDS, SampleView, prose, tau_slider

INTRO = (
    "Drag <b>τ</b> and watch the relaxed sample <b>y</b> = softmax((log π + g)/τ) move "
    "between a one-hot vector (τ → 0) and the uniform one (τ → ∞). The shaded class "
    "is argmax(log π + g): an exact draw from π (the Gumbel-Max trick), and the "
    "largest y at every τ."
)


class Explorer(Viewer):
    """The Gumbel-Softmax explorer for one session: controls, chart, readouts.

    ``Explorer()`` renders in a notebook; :meth:`page` wraps it in the served
    template with the controls in the sidebar.
    """

    model = param.ClassSelector(class_=GumbelSoftmaxModel, constant=True)
    log10_tau = param.Number(0.0, bounds=LOG10_TAU_BOUNDS, doc="log10 of tau.")

    def __init__(self, **params):
        """Keywords ``k``, ``tau`` and ``seed`` go to a new session model."""
        model_params = {k: params.pop(k) for k in ("k", "tau", "seed") if k in params}
        params.setdefault("model", GumbelSoftmaxModel(**model_params))
        super().__init__(**params)
        self.log10_tau = math.log10(self.model.tau)
        self.sample_view = SampleView(model=self.model)
        self.controls = self._make_controls()

    @param.depends("log10_tau", watch=True)
    def _tau_from_slider(self) -> None:
        self.model.tau = min(max(10**self.log10_tau, self.model.param.tau.bounds[0]),
                             self.model.param.tau.bounds[1])

    @param.depends("model.tau", watch=True)
    def _slider_from_tau(self) -> None:
        target = math.log10(self.model.tau)
        if not math.isclose(self.log10_tau, target, abs_tol=1e-12):
            self.log10_tau = target

    def _make_controls(self) -> pn.Column:
        slider = tau_slider(self)
        self.sample_view.link_tau_slider(slider)
        m = self.model.param
        return pn.Column(
            slider,
            pn.widgets.Button.from_param(
                m.resample, name="Resample", color="primary",
                sizing_mode="stretch_width",
            ),
            pn.widgets.Checkbox.from_param(
                m.keep_probabilities, name="Keep probabilities (new noise only)"
            ),
            pn.widgets.IntSlider.from_param(
                m.k, name="Number of classes k", sizing_mode="stretch_width"
            ),
            pn.widgets.IntInput.from_param(
                m.seed, name="Seed (blank: fresh randomness)",
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Row(
            pn.Column(self.controls, width=300),
            pn.Column(prose(INTRO), self.sample_view, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )

    def page(self) -> pn.Template:
        """The served page: controls in the sidebar, views in the main area."""
        return explorer_page(
            sidebar=self.controls,
            main=pn.Column(prose(INTRO), self.sample_view, sizing_mode="stretch_width"),
        )
