// Page-wide keys and the tour's buttons, for models that may join the document at any
// time. The tour's source "tour-keys" takes {key, time}; Python moves the step
// (gumbel_viz/views/tour.py, TourView.act).
// ArrowLeft / ArrowRight move the tour when it is showing, unless the focus is in
// a control that uses those keys itself (a slider, a text box, a list).
(() => {
  const tellTour = (key) => {
    const doc = window.Bokeh && Bokeh.documents[0]
    const keys = doc && doc.get_model_by_name("tour-keys")
    if (keys) keys.data = {key: [key], time: [Date.now()]}
  }
  // The tour's buttons (HTML in its Div): "back", "next", "restart", "show".
  window.gsxTour = tellTour
  document.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return
    const target = event.composedPath()[0]
    if (target instanceof Element && target.closest("input, textarea, select, [role=slider]")) {
      return
    }
    tellTour(event.key)
  })
})()
