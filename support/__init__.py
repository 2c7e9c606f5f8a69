"""What the tests, the benchmarks and the scripts share: the app really served
(:mod:`.served`), reading it in Chromium (:mod:`.browser`), a browser-like protocol
visitor and the load built from it (:mod:`.visitor`, :mod:`.load`), the servers'
resident memory (:mod:`.memory`) and Markdown tables and timing (:mod:`.tables`).
None of it is part of the app."""
