"""The web application: a JSON API under /api/v1 and server-rendered pages, both thin layers over the
application services (`inwriting.app`)."""
