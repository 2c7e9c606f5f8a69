// Verify: send Python the y the browser is showing, so it can compare it with its own.
// args: bars (ColumnDataSource "sample-bars"), answer (ColumnDataSource "verify-browser").
// "run" (the click's time, one per row) makes every answer a change, even an equal one.
const y = Array.from(bars.data.y)
const now = Date.now()
answer.data = {y, run: y.map(() => now)}
