"""About: the explanation, typeset by KaTeX, with well-formed math and HTML."""

from __future__ import annotations

import re

import panel as pn

from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views.about import ABOUT_TEXT, AboutView


def test_about_explains_the_trick_in_katex() -> None:
    about = AboutView(model=GumbelSoftmaxModel(seed=0))
    pane = about.text
    assert isinstance(pane, pn.pane.LaTeX) and pane.renderer == "katex"
    assert pane.object == ABOUT_TEXT
    for phrase in [
        "Gumbel-Max",
        r"$P(c = i) = \pi_i$",
        r"\arg\max_i \,(\log \pi_i + g_i)",
        r"\operatorname{softmax}\big((\log\pi + g)/\tau\big)",
        r"\tau \to 0",
        r"\tau \to \infty",
        r"$\arg\max_i y_i = c$",
        r"mean differs from $\pi$ in general",
        r"uniform over the",
        "reparameterisation",
        r"J = \frac{1}{\tau}\big(\operatorname{diag}(y) - y\, y^{\top}\big)",
        "Jang, Gu",
        "Maddison, Mnih",
        "2017",
    ]:
        assert phrase in ABOUT_TEXT, phrase


def test_about_math_is_well_delimited_html() -> None:
    display = re.findall(r"\$\$(.+?)\$\$", ABOUT_TEXT, re.DOTALL)
    rest = re.sub(r"\$\$.+?\$\$", "", ABOUT_TEXT, flags=re.DOTALL)
    assert len(display) >= 4 and rest.count("$") % 2 == 0
    inline = re.findall(r"\$(.+?)\$", rest, re.DOTALL)
    assert len(inline) > 30
    for math in display + inline:
        assert "<" not in math, math  # the pane sets innerHTML: "<" would start a tag
    assert not re.search(r"&(?!amp;)", ABOUT_TEXT)
