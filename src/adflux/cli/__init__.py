"""The ``adflux`` command line: API client commands and the server-side operating commands."""
