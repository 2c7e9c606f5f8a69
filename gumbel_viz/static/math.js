// KaTeX for the views that typeset math, loaded once the page is up (its document
// built and idle) instead of with it: parsing it cost ~180 ms of every page load's main thread (profile in README,
// Benchmarks), and the landing view has no math. A math pane drawn before it arrives
// shows its source text for a moment and is drawn again once KaTeX is here.
// window.gsxMathAssets: {js: [katex, auto-render], css: [...]}, set by the page.
(() => {
  const assets = window.gsxMathAssets || {js: [], css: []}
  const script = (src) =>
    new Promise((resolve, reject) => {
      const el = document.createElement("script")
      el.src = src
      el.onload = resolve
      el.onerror = reject
      document.head.append(el)
    })
  const mathPanes = function* () {
    for (const doc of (window.Bokeh && Bokeh.documents) || []) {
      for (const model of doc.all_models) {
        if (String(model.type).endsWith(".KaTeX")) yield model  // "panel.models.katex.KaTeX"
      }
    }
  }
  const redraw = () => {
    for (const model of mathPanes()) {
      const view = Bokeh.index.find_one(model)
      if (view) view.rerender()  // render, then lay out again
    }
  }
  const load = async () => {
    if (window.renderMathInElement) return  // already here (the page was given it)
    for (const href of assets.css) {
      const link = document.createElement("link")
      link.rel = "stylesheet"
      link.href = href
      document.head.append(link)
    }
    for (const src of assets.js) await script(src)  // auto-render needs katex first
    redraw()
  }
  // After the main chart is drawn: earlier, the parse would delay it (not "the
  // document is idle": a math pane drawn without KaTeX keeps it busy). At once if
  // the first view has math (a link to About), so it is typeset as soon as it can.
  const whenIdle = window.requestIdleCallback || ((fn) => setTimeout(fn, 200))
  const chartDrawn = () => {
    const doc = window.Bokeh && Bokeh.documents[0]
    const chart = doc && doc.get_model_by_name("sample-chart")
    const view = chart && Bokeh.index.find_one(chart)
    return Boolean(view && view.has_finished())
  }
  const start = () => {
    if (!mathPanes().next().done) load().catch(console.error)
    else if (chartDrawn()) whenIdle(() => load().catch(console.error))
    else setTimeout(start, 100)
  }
  window.addEventListener("load", start)
})()
