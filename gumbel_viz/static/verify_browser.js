// Verify: send Python the y the browser is showing, so it can compare it with its own.
// args: bars (ColumnDataSource "sample-bars"), answer (ColumnDataSource "verify-browser").
answer.data = {y: Array.from(bars.data.y), run: [Date.now()]}
