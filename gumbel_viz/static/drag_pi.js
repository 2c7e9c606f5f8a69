// Drag π (the main chart's pan events): the class under the pointer when the drag
// starts takes π = the pointer's height; on release the new π goes to Python.
// Uses window.gsxSetPi (static/main_chart.js). args: none. cb_obj: the pan event.
const state = window.gsxDrag ?? (window.gsxDrag = {k: null})
if (!window.gsxSetPi) return
if (cb_obj.event_name === "panstart") {
  state.k = Math.floor(cb_obj.x)  // categorical axis: class k sits in [k, k + 1)
} else if (state.k !== null) {
  const end = cb_obj.event_name === "panend"
  gsxSetPi(state.k, cb_obj.y, end)
  if (end) state.k = null
}
