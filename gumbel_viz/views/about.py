"""About: what the explorer shows and why it works, with the math typeset by KaTeX."""

from __future__ import annotations

import panel as pn

from .base import View, math_pane

# HTML with $...$ / $$...$$ math: the KaTeX pane sets it as innerHTML and typesets
# the math, so "&" is written "&amp;" and "<" would have to be "&lt;".
ABOUT_TEXT = r"""
<h3>The problem</h3>
<p>
A network that picks one of $k$ classes at random, with probabilities
$\pi = (\pi_1, \dots, \pi_k)$ that it computes itself, has a discrete step in the middle:
the draw. A small change in $\pi$ either leaves the drawn class as it is or makes it jump,
so the draw has no useful derivative with respect to $\pi$, and backpropagation stops there.
</p>

<h3>The Gumbel-Max trick: drawing a class with an argmax</h3>
<p>
Move all the randomness into noise that does not depend on $\pi$. Draw
$g_1, \dots, g_k$ independently from the standard Gumbel distribution (for instance
$g = -\log(-\log\, u)$ with $u$ uniform on $(0, 1)$) and take
$$c = \arg\max_i \,(\log \pi_i + g_i).$$
This $c$ is an <b>exact</b> draw from the categorical distribution:
$P(c = i) = \pi_i$ for every class $i$.
</p>
<p>
<i>Why.</i> A standard Gumbel variable has distribution function
$P(g \le x) = \exp(-e^{-x})$, so $z_j = \log\pi_j + g_j$ has
$P(z_j \le x) = \exp(-\pi_j e^{-x})$ and density
$\pi_j e^{-x} \exp(-\pi_j e^{-x})$. Class $i$ wins when $z_i$ takes some value $x$ and
every other $z_j$ stays below it:
$$P(c = i) = \int_{-\infty}^{\infty} \pi_i e^{-x} e^{-\pi_i e^{-x}}
  \prod_{j \ne i} e^{-\pi_j e^{-x}} \, dx
  = \pi_i \int_{-\infty}^{\infty} e^{-x} \exp\Big(-e^{-x} \sum_{j} \pi_j\Big) \, dx
  = \pi_i,$$
because $\sum_j \pi_j = 1$ leaves $e^{-x} \exp(-e^{-x})$, the Gumbel density, which
integrates to 1. Only ratios of the $\pi_j$ matter, so adding a constant to every logit
changes nothing; a class with $\pi_i = 0$ has $\log \pi_i = -\infty$ and is never drawn.
</p>

<h3>The relaxation: a softmax in place of the argmax</h3>
<p>
The argmax is still a jump. Replace it by a softmax at a temperature $\tau > 0$:
$$y_i = \frac{\exp\big((\log\pi_i + g_i)/\tau\big)}
             {\sum_{j=1}^{k} \exp\big((\log\pi_j + g_j)/\tau\big)},
  \qquad y = \operatorname{softmax}\big((\log\pi + g)/\tau\big).$$
The result $y$ is a point of the probability simplex (entries in $[0, 1]$ summing to 1),
and for fixed noise it is a smooth function of $\log\pi$. Jang, Gu &amp; Poole call its
distribution Gumbel-Softmax; Maddison, Mnih &amp; Teh call it the Concrete distribution.
</p>

<h3>What the temperature does</h3>
<ul>
<li><b>$\tau \to 0$</b>: the largest $(\log\pi_i + g_i)/\tau$ runs away from the others and
  $y$ becomes the one-hot vector of class $c$, the Gumbel-Max draw.</li>
<li><b>$\tau \to \infty$</b>: every exponent shrinks to 0 and $y$ becomes uniform,
  $1/k$ for each of the $k$ classes (for each class with $\pi_i > 0$, to be exact).</li>
<li><b>At every $\tau$</b>, dividing by $\tau$ rescales the sums $\log\pi_i + g_i$
  without reordering them, so $\arg\max_i y_i = c$: rounding $y$ to its largest entry
  gives an exact sample from $\pi$ at any temperature.</li>
<li><b>But $y$ itself is not distributed like $\pi$.</b> At a finite temperature its
  mean differs from $\pi$ in general; it equals $\pi$ when $\pi$ is uniform over the
  classes it can draw, by symmetry. For $\pi = (0.1, 0.25, 0.05, 0.4, 0.2)$ and
  $\tau = 1$, a Monte Carlo estimate gives
  $E[y] \approx (0.127, 0.246, 0.076, 0.341, 0.210)$. The mean approaches $\pi$ as
  $\tau \to 0$ and, as $\tau \to \infty$, the uniform vector over the classes with
  $\pi_i > 0$.</li>
</ul>
<p>
So $\tau$ trades faithfulness against smoothness: a small $\tau$ gives nearly discrete
samples but steep, noisy gradients; a large one gives gentle gradients of a blurred
sample. Training often starts warm and lowers $\tau$ gradually.
</p>

<h3>Why gradients flow</h3>
<p>
This is the reparameterisation trick. The sample is written as a deterministic,
differentiable function of the parameters and of noise that does not depend on them,
$y = f(\log\pi, g)$ with $g$ drawn independently of $\pi$. The gradient of an expected
loss then moves inside the expectation,
$\nabla_{\log\pi}\, E_g\big[L(y)\big] = E_g\big[\nabla_{\log\pi} L(f(\log\pi, g))\big]$,
and a few noise draws estimate it. The derivative of the softmax at temperature $\tau$ is
$$\frac{\partial y_i}{\partial \log\pi_j} = \frac{1}{\tau}\big(\delta_{ij}\, y_i - y_i\, y_j\big),
  \qquad J = \frac{1}{\tau}\big(\operatorname{diag}(y) - y\, y^{\top}\big),$$
finite for every $\tau > 0$. When a truly discrete value is needed in the forward pass,
the straight-through variant uses the one-hot vector of $c$ forward and this Jacobian
backward.
</p>

<h3>References</h3>
<ul>
<li>E. Jang, S. Gu and B. Poole. <i>Categorical Reparameterization with
  Gumbel-Softmax.</i> ICLR 2017.
  <a href="https://arxiv.org/abs/1611.01144" target="_blank" rel="noopener"
  >arXiv:1611.01144</a></li>
<li>C. J. Maddison, A. Mnih and Y. W. Teh. <i>The Concrete Distribution: A Continuous
  Relaxation of Discrete Random Variables.</i> ICLR 2017.
  <a href="https://arxiv.org/abs/1611.00712" target="_blank" rel="noopener"
  >arXiv:1611.00712</a></li>
</ul>
"""


class AboutView(View):
    """A static explanation of the Gumbel-Max trick and the Gumbel-Softmax relaxation.

    The text (:data:`ABOUT_TEXT`, HTML with ``$...$`` math) is typeset by KaTeX.
    """

    slug = "about"
    title = "About"

    def __init__(self, **params):
        super().__init__(**params)
        self.text = math_pane(
            ABOUT_TEXT,
            max_width=860,
            styles={"font-size": "15px", "line-height": "1.5", "overflow-x": "auto"},
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self.text
