"""Dashboard pages, one module per noun; each handler parses, calls one service, renders."""
