"""The report: a session's part, insights, blocks, diagnostics, context sources, the next request, the schema. Imports the core only."""
