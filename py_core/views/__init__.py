"""The views of a report: terminal, HTML, SVG charts, CSV, share card and link, JSON; one registry. Imports the core and the report."""
