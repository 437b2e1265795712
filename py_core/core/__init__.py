"""The core: bytes -> lines -> billed requests -> prices, and the vocabulary every layer shares. Imports nothing of the other layers."""
