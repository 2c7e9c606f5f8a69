// The main chart, directly: drag the top of a π bar, or focus the chart and use the
// keys (← → choose a class, ↑ ↓ change its π by 0.01, Page Up / Down by 0.1). The
// other classes rescale so that π stays on the simplex, y follows at once (in the
// browser), and the new π goes to Python ("drag-pi") through the same validated
// path as typed probabilities. The chart also gets a text alternative that states
// its data, kept up to date.
(() => {
  const doc = () => window.Bokeh && Bokeh.documents[0]
  const model = (name) => doc() && doc().get_model_by_name(name)
  const slider = () =>
    Array.from(doc().all_models).find(
      (m) => m.title !== undefined && String(m.title).startsWith("Temperature")
    )
  let focused = 0
  const DESCRIBE_AFTER_MS = 150

  // π with class k set to value, the others scaled to share the rest (evenly if none had any).
  const rescaled = (pi, k, value) => {
    const v = Math.min(Math.max(value, 0), 1)
    const rest = pi.reduce((a, p, i) => (i === k ? a : a + p), 0)
    return pi.map((p, i) => {
      if (i === k) return v
      return rest > 0 ? (p * (1 - v)) / rest : (1 - v) / (pi.length - 1)
    })
  }

  // y = softmax((log π + g)/τ), max-shifted, as static/relax_tau.js does.
  const relaxed = (logit, g, tau) => {
    const z = logit.map((l, i) => l + g[i])
    const top = Math.max(...z)
    const w = z.map((zi) => (zi === -Infinity ? 0 : Math.exp((zi - top) / tau)))
    const total = w.reduce((a, b) => a + b, 0)
    return w.map((wi) => wi / total)
  }

  // Show π in the chart now; with commit, hand it to Python.
  window.gsxSetPi = (k, value, commit) => {
    const bars = model("sample-bars")
    if (!bars || k < 0 || k >= bars.data.pi.length) return
    const pi = rescaled(Array.from(bars.data.pi), k, value)
    if (pi.filter((p) => p > 0).length === 0) return
    const logit = pi.map((p) => (p > 0 ? Math.log(p) : -Infinity))
    const tau = 10 ** slider().value
    const y = relaxed(logit, Array.from(bars.data.g), tau)
    const column = (values) => values.map((value, i) => [i, value])
    bars.patch({pi: column(pi), logit: column(logit), y: column(y)}, {sync: false})
    if (commit) model("drag-pi").data = {pi, time: pi.map(() => Date.now())}
  }

  const label = (bars) => {
    const {cls, pi, y} = bars.data
    const parts = Array.from(cls, (c, i) => `class ${c}: π ${pi[i].toFixed(3)}, y ${y[i].toFixed(3)}`)
    return (
      `Bar chart of π and the relaxed sample y for ${cls.length} classes. ${parts.join("; ")}. ` +
      "Arrow keys: left and right choose a class, up and down change its π."
    )
  }

  const attach = () => {
    const fig = model("sample-chart")
    const view = fig && Bokeh.index.find_one(fig)
    const bars = model("sample-bars")
    if (!view || !bars) return false
    const el = view.el
    el.tabIndex = 0
    el.setAttribute("role", "img")
    const describe = () => el.setAttribute("aria-label", label(bars))
    describe()
    // Once the data rests: a drag of τ changes it every frame, and nobody reads a
    // label that fast (each one is a string of 5-12 numbers and a style change).
    // One timer per rest, not one per change: a step only notes its time.
    let changed = 0
    let waiting = false
    const describeOnceRested = () => {
      const wait = changed + DESCRIBE_AFTER_MS - performance.now()
      if (wait > 0) return void setTimeout(describeOnceRested, wait)
      waiting = false
      describe()
    }
    const describeSoon = () => {
      changed = performance.now()
      if (!waiting) {
        waiting = true
        setTimeout(describeOnceRested, DESCRIBE_AFTER_MS)
      }
    }
    bars.change.connect(describeSoon)  // new data from Python
    bars.patching.connect(describeSoon)  // tau and pi moved in the browser
    const name = () => String(bars.data.cls[Math.min(focused, bars.data.cls.length - 1)])
    el.addEventListener("focus", () => window.gsxHighlight && gsxHighlight(name()))
    el.addEventListener("blur", () => window.gsxHighlight && gsxHighlight(null))
    el.addEventListener("keydown", (event) => {
      const k = bars.data.pi.length
      const steps = {ArrowUp: 0.01, ArrowDown: -0.01, PageUp: 0.1, PageDown: -0.1}
      if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        focused = (focused + (event.key === "ArrowRight" ? 1 : k - 1)) % k
        gsxHighlight(name())
      } else if (event.key in steps) {
        gsxSetPi(focused, bars.data.pi[focused] + steps[event.key], true)
      } else {
        return
      }
      event.preventDefault()
      event.stopPropagation()  // not the tour's arrow keys
    })
    return true
  }

  const start = () => {
    if (!attach()) setTimeout(start, 200)  // until the chart is on the page
  }
  start()
})()
