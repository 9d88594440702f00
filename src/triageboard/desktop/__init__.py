"""Desktop integration: the self-check apart from the menu-entry installer."""
