// Move the temperature markers while the tau slider is dragged, in the browser.
// args: markers (a list of Span(dimension="height") on log-tau axes).
// cb_obj: the slider, whose value is log10(tau).
const tau = 10 ** cb_obj.value
for (const marker of markers) {
  marker.location = tau
}
