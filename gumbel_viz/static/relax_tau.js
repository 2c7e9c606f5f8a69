// Repaint the main chart when the tau slider moves, with no server round trip.
// Mirrors gumbel_viz.core.gumbel_softmax for one sample and
// gumbel_viz.views.sample.readout_items for the readouts; tests check both agree.
//
// args: bars (ColumnDataSource "sample-bars" with columns logit, g, y),
//       readouts (the text nodes of the readouts that move with tau,
//       views/sample.live_readouts).
// cb_obj: the slider, whose value is log10(tau).
const tau = 10 ** cb_obj.value
const {logit, g} = bars.data
const k = logit.length

// y = softmax((logit + g) / tau), shifted by the max so exp never overflows.
const z = Array.from({length: k}, (_, i) => logit[i] + g[i])
const zmax = Math.max(...z)
const w = z.map((zi) => Math.exp((zi - zmax) / tau))
const total = w.reduce((a, b) => a + b, 0)
const y = w.map((wi) => wi / total)
// A local patch: the glyphs repaint, nothing is sent to the server (which
// recomputes y itself from the throttled slider value), and the source emits
// `patching`, not `change`: only the glyphs that draw it do work (a Bokeh Legend,
// for one, rebuilt its entries at every `change`).
bars.patch({y: y.map((value, i) => [i, value])}, {sync: false})

// Entropy in nats with 0 log 0 = 0.
const entropy = (p) => -Array.from(p).reduce((h, pk) => (pk > 0 ? h + pk * Math.log(pk) : h), 0)
// The readouts that move with tau (views/sample.LIVE_READOUTS), now, before the
// frame that paints the chart: each a text node whose content is all that changes.
// Not sent to the server, which never reads them: it sends its own when π or the
// noise change.
const live = [tau.toFixed(4), Math.max(...y).toFixed(4), entropy(y).toFixed(3) + " nats"]
readouts.forEach((text, i) => text.setv({content: live[i]}, {sync: false}))
