// Copy one snippet of the Code view to the clipboard, in the browser (no server trip).
// args: snippets (ColumnDataSource "code-snippets": key, framework, code), key (which
// snippet), status (the Div that says what happened).
// The Clipboard API needs a secure context (https or localhost); elsewhere the
// older execCommand("copy") on a hidden, selected textarea does the same job.
const i = Array.from(snippets.data.key).indexOf(key)
const code = snippets.data.code[i]
const framework = snippets.data.framework[i]
const lines = code.split("\n").length - (code.endsWith("\n") ? 1 : 0)
const copied = () => {
  status.text = `Copied the ${framework} code (${lines} lines) to the clipboard.`
}
const refused = () => {
  status.text = `The browser did not let this page copy: select the ${framework} code ` +
    "below and press Ctrl+C (⌘C on a Mac)."
}
const fallback = () => {
  const area = document.createElement("textarea")
  area.value = code
  area.setAttribute("readonly", "")
  area.style.position = "fixed"
  area.style.opacity = "0"
  document.body.appendChild(area)
  area.select()
  let ok = false
  try {
    ok = document.execCommand("copy")
  } catch (error) {
    ok = false
  }
  area.remove()
  if (ok) copied()
  else refused()
}
if (navigator.clipboard !== undefined && window.isSecureContext) {
  navigator.clipboard.writeText(code).then(copied, fallback)
} else {
  fallback()
}
