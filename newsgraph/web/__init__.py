"""The web face: one ASGI app serving the JSON API and the HTML pages from the same view functions."""
