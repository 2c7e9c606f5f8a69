// Page-wide keys, for models that may join the document at any time.
// ArrowLeft / ArrowRight move the tour when it is showing, unless the focus is in
// a control that uses those keys itself (a slider, a text box, a list).
// The tour's source "tour-keys" takes {key, time}; Python moves the step.
document.addEventListener("keydown", (event) => {
  if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return
  const target = event.composedPath()[0]
  if (target instanceof Element && target.closest("input, textarea, select, [role=slider]")) {
    return
  }
  const doc = window.Bokeh && Bokeh.documents[0]
  const keys = doc && doc.get_model_by_name("tour-keys")
  if (keys) keys.data = {key: [event.key], time: [Date.now()]}
})
