// Accessible names for the controls Bokeh and Panel draw without one: slider handles
// (named by their slider's title), the spinner's arrow buttons, checkboxes (named by
// their text). Components render into shadow roots, at any time: every root is
// watched, and the roots that gained elements are named in the next frame. A change
// of text only (a slider's title while τ moves) adds no control: it sweeps nothing,
// or every τ key press would walk the whole page (~2.5 ms of each, A/B in README).
(() => {
  const watched = new WeakSet()
  const dirty = new Set()
  let frame = null
  const addsElements = (record) =>
    Array.from(record.addedNodes).some((node) => node.nodeType === Node.ELEMENT_NODE)
  // A checkbox's text arrives after the box itself: its root is swept again then.
  const unnamedBox = (root) => root.querySelector("input[type=checkbox]:not([data-gsx-named])")
  const schedule = (records) => {
    for (const record of records) {
      const root = record.target.getRootNode()
      if (addsElements(record) || unnamedBox(root)) dirty.add(root)
    }
    if (dirty.size && frame === null) {
      frame = requestAnimationFrame(() => {
        frame = null
        const changed = Array.from(dirty)
        dirty.clear()
        changed.forEach(sweep)
      })
    }
  }
  const watch = (root) => {
    if (watched.has(root)) return
    watched.add(root)
    new MutationObserver(schedule).observe(root, {childList: true, subtree: true})
  }
  const roots = function* (root) {
    yield root
    for (const el of root.querySelectorAll("*")) if (el.shadowRoot) yield* roots(el.shadowRoot)
  }
  // A button group marks its pressed button with a class only: say it with
  // aria-pressed, or as the selected tab of the view picker ("view-nav").
  const pressed = new WeakSet()
  const press = (group, tabs) => {
    for (const button of group.querySelectorAll(".bk-btn")) {
      const active = String(button.classList.contains("bk-active"))
      if (tabs) button.setAttribute("role", "tab")
      button.setAttribute(tabs ? "aria-selected" : "aria-pressed", active)
    }
  }
  const watchPresses = (group, tabs) => {
    if (pressed.has(group)) return
    pressed.add(group)
    if (tabs) group.setAttribute("role", "tablist")
    press(group, tabs)
    const classes = {attributes: true, subtree: true, attributeFilter: ["class"]}
    new MutationObserver(() => press(group, tabs)).observe(group, classes)
  }
  const text = (el) => (el ? el.textContent.replace(/\s+/g, " ").trim() : "")
  const name = (el, label) => {
    if (label && !el.hasAttribute("aria-label")) el.setAttribute("aria-label", label)
  }
  // The sidebar's "Download state or chart…" button (class "reveals-downloads") is
  // replaced by the downloads when pressed: focus follows it to the first of them
  // (class "first-download") instead of falling back to the page.
  let focusDownload = false
  const revealsDownloads = (el) => el.classList && el.classList.contains("reveals-downloads")
  const onClick = (event) => {
    if (event.composedPath().some(revealsDownloads)) focusDownload = true
  }
  document.addEventListener("click", onClick, true)
  const followFocus = (root) => {
    const first = root.host !== undefined && root.host.classList.contains("first-download")
    const button = first ? root.querySelector("button") : null
    if (focusDownload && button) {
      focusDownload = false
      button.focus()
    }
  }
  const sweep = (top) => {
    for (const root of roots(top)) {
      watch(root)
      followFocus(root)
      for (const handle of root.querySelectorAll(".noUi-handle[role=slider]")) {
        name(handle, text(root.querySelector(".bk-slider-title")).split(":")[0] || "slider")
      }
      for (const up of root.querySelectorAll(".bk-spin-btn-up")) name(up, "Increase")
      for (const down of root.querySelectorAll(".bk-spin-btn-down")) name(down, "Decrease")
      const nav = root.host !== undefined && root.host.classList.contains("view-nav")
      for (const group of root.querySelectorAll(".bk-btn-group")) watchPresses(group, nav)
      for (const box of root.querySelectorAll("input[type=checkbox]:not([data-gsx-named])")) {
        const sibling = box.nextElementSibling  // Bokeh 3.9: <input><div class="bk-label">
        const beside = sibling && sibling.classList.contains("bk-label") ? sibling : null
        const label = text(box.closest("label") || beside || box.parentElement)
        box.setAttribute("aria-label", label || "checkbox")
        if (label) box.setAttribute("data-gsx-named", "")
      }
    }
  }
  sweep(document)
})()
