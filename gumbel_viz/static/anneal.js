// Play or pause the annealing schedule in the browser (the Play toggle's callback).
// Each animation frame advances the training step by speed x elapsed time and
// redraws the main chart for the schedule's tau at that step with relax_tau.js,
// called directly. The slider (and with it the readouts and the server) follows
// a few times a second only: moving it every frame costs a layout and a message
// per frame. Pausing hands the slider's value to Python once.
//
// args: schedule (ColumnDataSource "anneal-schedule": step, tau, every, speed),
//       marker (Span on the schedule plot), slider (the log10 tau slider),
//       bars (ColumnDataSource "sample-bars"), relax (the source of relax_tau.js).
// cb_obj: the Play toggle; cb_obj.active is true while playing.
const SLIDER_EVERY = 15  // frames between slider updates (4 per second at 60 fps)
const MARKER_EVERY = 2  // the step marker moves at 30 Hz: it repaints its plot too
const state = cb_obj._anneal ?? (cb_obj._anneal = {
  frame: null, step: 0, last: null, frames: 0, started: 0,
  relax: new Function("bars", "readouts", "cb_obj", relax),
})

const moveSlider = (log10Tau) => {
  if (log10Tau !== slider.value) slider.value = log10Tau
}

if (!cb_obj.active) {
  if (state.frame !== null) {
    cancelAnimationFrame(state.frame)
    state.frame = null
    moveSlider(state.log10Tau)
    slider.value_throttled = slider.value
  }
  return
}

const {step: steps, tau, every, speed} = schedule.data
const lastStep = steps[steps.length - 1]
if (state.step >= lastStep) state.step = 0
state.last = null
state.frames = 0
state.started = performance.now()  // frames / elapsed = the frame rate (benchmarks)
const noReadouts = []

const advance = (now) => {
  if (state.last !== null) state.step += speed[0] * (now - state.last) / 1000
  state.last = now
  state.frames += 1
  const t = Math.min(state.step, lastStep)
  const i = Math.min(Math.floor(t / every[0]), tau.length - 2)
  if (state.frames % MARKER_EVERY === 0 || t >= lastStep) marker.location = t
  state.log10Tau = Math.min(slider.end, Math.max(slider.start, Math.log10(tau[i])))
  if (state.frames % SLIDER_EVERY === 0) {
    moveSlider(state.log10Tau)  // its own callback redraws the chart and readouts
  } else {
    state.relax(bars, noReadouts, {value: state.log10Tau})
  }
  if (t >= lastStep) {
    cb_obj.active = false  // runs this callback again, which stops
    return
  }
  state.frame = requestAnimationFrame(advance)
}
state.frame = requestAnimationFrame(advance)
