"""What outlives a run and how files are read: file versions and the reuse rule, the store, kept answers, running summaries, state files, the loader, the process pool."""
