// Linked highlighting: pointing at a class in any chart highlights it in every chart.
// Sources tagged "by-class" hold a column "cls" of class names ("1" … "k"); their
// renderers draw a hover glyph for the rows of the highlighted class. It is set as
// the sources' *inspection*, which BokehJS keeps in the browser only: nothing is
// sent to the server. Charts call gsxHover(cb_data) from their HoverTool and
// gsxHighlight(null) when the pointer leaves; the main chart's keyboard focus
// calls gsxHighlight(name) too (static/main_keys.js).
(() => {
  const TAG = "by-class"
  let shown = null  // the class highlighted now
  let pointed = null  // the class under the pointer in this frame
  let frame = null

  const taggedSources = () => {
    const doc = window.Bokeh && Bokeh.documents[0]
    if (!doc) return []
    return Array.from(doc.all_models).filter((m) => m.tags && m.tags.includes(TAG))
  }

  const rowsOf = (source, name) => {
    const column = source.data.cls
    if (name === null || column === undefined) return []
    const rows = []
    for (let i = 0; i < column.length; i++) if (String(column[i]) === name) rows.push(i)
    return rows
  }

  // Repaint every renderer of the tagged sources (silently: no change event, so
  // nothing syncs to the server and no tool reacts as to a hover).
  const repaint = (sources) => {
    const doc = Bokeh.documents[0]
    for (const model of doc.all_models) {
      if (model.type === "GlyphRenderer" && sources.includes(model.data_source)) {
        const view = Bokeh.index.find_one(model)
        if (view) view.request_paint()
      }
    }
  }

  const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i])

  // Called on every pointer move: a hover may have reset its own chart's inspection.
  window.gsxHighlight = (name) => {
    const changed = name !== shown
    shown = name
    const stale = []
    for (const source of taggedSources()) {
      const rows = rowsOf(source, name)
      if (!same(Array.from(source.inspected.indices), rows)) {
        const Selection = source.inspected.constructor
        source.setv({inspected: new Selection({indices: rows})}, {silent: true})
        stale.push(source)
      }
    }
    if (stale.length) repaint(stale)
    if (changed) document.dispatchEvent(new CustomEvent("gsx-highlight", {detail: name}))
  }

  window.gsxHighlighted = () => shown

  // This renderer's own hit: renderers that share a source each have an inspector,
  // and cb_data.index is only the source's last one.
  const hitOf = (renderer, fallback) => {
    const manager = renderer.get_selection_manager && renderer.get_selection_manager()
    return (manager && manager.inspectors && manager.inspectors.get(renderer)) || fallback
  }

  // From a HoverTool: one call per renderer per pointer move; the frame decides.
  window.gsxHover = (cb_data) => {
    const renderer = cb_data.renderer
    const hit = renderer ? hitOf(renderer, cb_data.index) : cb_data.index
    const source = renderer && renderer.data_source
    const rows = hit && hit.indices && hit.indices.length ? hit.indices : []
    if (rows.length && source && source.data.cls !== undefined) {
      pointed = String(source.data.cls[rows[0]])
    }
    if (frame === null) {
      frame = requestAnimationFrame(() => {
        frame = null
        window.gsxHighlight(pointed)
        pointed = null
      })
    }
  }
})()
