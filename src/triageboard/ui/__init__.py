"""The window: column models, card delegate, filter bar, details, message bar. Synchronous Qt only."""
