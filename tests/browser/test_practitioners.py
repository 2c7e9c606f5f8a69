"""The practitioners' views in the served app: Code, Pitfalls and Top-k."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from gumbel_viz.core.pitfalls import DEFAULT_DRAWS
from support.browser import READ_LOG10_TAU, open_app, read_bars, tau_handle, wait_for_change

# The text of a Code view <pre>, found through every shadow root (Bokeh renders in them).
FIND_PRE = """(key) => {
  const find = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.matches(`pre.snippet[data-framework="${key}"]`)) return el
      if (el.shadowRoot) {
        const found = find(el.shadowRoot)
        if (found) return found
      }
    }
    return null
  }
  const pre = find(document)
  return pre === null ? null : pre.textContent
}"""
PRE_FOLLOWS_TAU = f"""() => {{
  const text = ({FIND_PRE})('numpy')
  const match = text && /^tau = (.*)$/m.exec(text)
  const tau = 10 ** ({READ_LOG10_TAU})()
  return match !== null && Math.abs(parseFloat(match[1]) - tau) <= 1e-12 * tau
}}"""
SOURCE_FILLED = """([name, column]) => {
  const source = Bokeh.documents[0].get_model_by_name(name)
  return source !== null && source.data[column].length > 0
}"""
READ_SOURCE = """(name) => {
  const data = Bokeh.documents[0].get_model_by_name(name).data
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Array.from(v)]))
}"""


def numpy_pre(page: Page) -> str:
    """The NumPy snippet as the page shows it, read from its ``<pre>``."""
    text = page.locator('pre.snippet[data-framework="numpy"]').text_content()
    assert text is not None and text.startswith("# NumPy\n")
    return text


def run(code: str) -> dict:
    namespace: dict = {}
    exec(compile(code, "<page snippet>", "exec"), namespace)
    return namespace


def assert_snippet_reproduces_the_page(page: Page) -> dict:
    namespace = run(numpy_pre(page))
    bars = read_bars(page)
    assert namespace["logits"].tolist() == bars["logit"] and namespace["g"].tolist() == bars["g"]
    np.testing.assert_allclose(namespace["y"], bars["y"], rtol=0, atol=1e-12)
    return namespace


def open_view(page: Page, app_url: str, slug: str, ready: tuple[str, str] | None) -> list[str]:
    errors = open_app(page, f"{app_url}?view={slug}&seed=1")
    if ready is not None:
        page.wait_for_function(SOURCE_FILLED, arg=list(ready))
    page.wait_for_function("() => Bokeh.documents[0].is_idle")
    return errors


@pytest.mark.parametrize(
    ("slug", "ready"),
    [
        ("code", ("code-snippets", "code")),
        ("pitfalls", ("pitfall-nans", "name")),
        ("top-k", ("topk-inclusion", "exact")),
    ],
)
def test_each_view_opens_without_console_errors(
    page: Page, app_url: str, slug: str, ready: tuple[str, str]
) -> None:
    errors = open_view(page, app_url, slug, ready)
    assert errors == []


# --------------------------------------------------------------------------- Code


def test_the_numpy_snippet_on_the_page_reproduces_its_y(page: Page, app_url: str) -> None:
    errors = open_view(page, app_url, "code", ("code-snippets", "code"))
    for key, framework in (("numpy", "NumPy"), ("pytorch", "PyTorch"), ("jax", "JAX")):
        text = page.locator(f'pre.snippet[data-framework="{key}"]').text_content()
        assert text is not None and text.splitlines()[0] == f"# {framework}"
    assert_snippet_reproduces_the_page(page)

    # τ keys: the browser repaints y itself; the snippet follows Python's τ.
    before = read_bars(page)
    handle = tau_handle(page)
    handle.focus()
    for key in ("PageDown", "ArrowLeft", "ArrowLeft"):
        handle.press(key)
    wait_for_change(page, "y", before["y"])
    page.wait_for_function(PRE_FOLLOWS_TAU)
    namespace = assert_snippet_reproduces_the_page(page)
    assert namespace["tau"] < 1

    # Resample: new π and noise, a new snippet.
    old = numpy_pre(page)
    page.get_by_role("button", name="Resample").click()
    wait_for_change(page, "g", before["g"])
    page.wait_for_function(f"(old) => ({FIND_PRE})('numpy') !== old", arg=old)
    assert_snippet_reproduces_the_page(page)
    assert errors == []


def test_hard_adds_the_one_hot_sample_of_the_drawn_class(page: Page, app_url: str) -> None:
    open_view(page, app_url, "code", ("code-snippets", "code"))
    expect(page.get_by_text("hard: add y_hard and the straight-through y_st")).to_be_visible()
    box = page.locator(".hard-toggle input[type=checkbox]")
    box.focus()
    page.keyboard.press("Space")  # from the keyboard
    page.wait_for_function(f"() => ({FIND_PRE})('numpy').includes('y_hard = ')")
    namespace = assert_snippet_reproduces_the_page(page)
    bars = read_bars(page)
    drawn = int(np.argmax(np.add(bars["logit"], bars["g"])))
    np.testing.assert_array_equal(namespace["y_hard"], np.eye(len(bars["y"]))[drawn])
    pytorch = page.locator('pre.snippet[data-framework="pytorch"]').text_content()
    assert "y_st = y_hard - y.detach() + y" in pytorch


def test_copy_puts_the_snippet_on_the_clipboard(page: Page, app_url: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_view(page, app_url, "code", ("code-snippets", "code"))
    button = page.get_by_role("button", name="Copy PyTorch code")
    button.focus()
    page.keyboard.press("Enter")  # from the keyboard
    expect(page.get_by_text("Copied the PyTorch code")).to_be_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.locator('pre.snippet[data-framework="pytorch"]').text_content()
    assert copied.startswith("# PyTorch\n")


def test_download_saves_the_snippet_on_screen(page: Page, app_url: str, tmp_path: Path) -> None:
    open_view(page, app_url, "code", ("code-snippets", "code"))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download gumbel_softmax_numpy.py").click()
    assert download.value.suggested_filename == "gumbel_softmax_numpy.py"
    path = tmp_path / "snippet.py"
    download.value.save_as(path)
    assert path.read_text() == numpy_pre(page)


# --------------------------------------------------------------------------- Pitfalls


def test_pitfalls_fill_their_sources_and_follow_tau(page: Page, app_url: str) -> None:
    errors = open_view(page, app_url, "pitfalls", ("pitfall-tau", "cls"))
    bars = read_bars(page)
    for name in ("pitfall-logits", "pitfall-tau"):
        data = page.evaluate(READ_SOURCE, name)
        assert data["pi"] == bars["pi"]
        assert sum(data["mistaken_count"]) == sum(data["correct_count"]) == DEFAULT_DRAWS
    nans = page.evaluate(READ_SOURCE, "pitfall-nans")
    assert len(nans["name"]) == 4 and all(("NaN" in t or "∞" in t) for t in nans["naive"])
    expect(page.get_by_text("Where NaNs come from")).to_be_visible()
    expect(page.get_by_text("A density is not a probability")).to_be_visible()

    target = page.evaluate(READ_SOURCE, "pitfall-tau")["target"]
    handle = tau_handle(page)
    handle.focus()
    handle.press("PageDown")
    page.wait_for_function(
        """(old) => Array.from(
          Bokeh.documents[0].get_model_by_name('pitfall-tau').data.target
        ).some((v, i) => v !== old[i])""",
        arg=target,
    )
    tau = 10 ** page.evaluate(READ_LOG10_TAU)
    data = page.evaluate(READ_SOURCE, "pitfall-tau")
    pi = np.asarray(bars["pi"])
    np.testing.assert_allclose(data["target"], pi ** (1 / tau) / np.sum(pi ** (1 / tau)))
    assert data["correct_count"] == data["correct_count_tau1"]
    assert errors == []


# --------------------------------------------------------------------------- Top-k


def test_top_k_fills_its_sources_and_refuses_a_bad_m(page: Page, app_url: str) -> None:
    errors = open_view(page, app_url, "top-k", ("topk-inclusion", "exact"))
    bars = read_bars(page)
    order = page.evaluate(READ_SOURCE, "topk-order")
    z = np.add(bars["logit"], bars["g"])
    assert [int(c) - 1 for c in order["cls"]] == list(np.argsort(-z)[:3])
    inclusion = page.evaluate(READ_SOURCE, "topk-inclusion")
    assert np.isclose(sum(inclusion["exact"]), 3) and len(inclusion["freq"]) == 5
    assert page.evaluate(READ_SOURCE, "topk-max")["density"]

    box = page.locator(".topk-m input")
    for typed, said in (("1000", "is more than the 5 classes"), ("two", "is not a number")):
        box.fill(typed)
        box.press("Enter")
        expect(page.get_by_text(said)).to_be_visible()
        assert page.evaluate(READ_SOURCE, "topk-order")["cls"] == order["cls"]
    box.fill("2")
    box.press("Enter")
    page.wait_for_function(
        "() => Bokeh.documents[0].get_model_by_name('topk-order').data.cls.length === 2"
    )
    page.wait_for_function(
        """() => Math.abs(Array.from(Bokeh.documents[0].get_model_by_name('topk-inclusion')
          .data.exact).reduce((a, b) => a + b, 0) - 2) < 1e-9"""
    )
    expect(page.get_by_text("m not changed")).to_have_count(0)
    assert errors == []
