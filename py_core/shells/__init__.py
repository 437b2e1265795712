"""The shells: the CLI, watch, the status line, the page's entry point (api), the Dask engine. Each parses its input, calls the layers below, and prints."""
