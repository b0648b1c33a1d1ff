"""Op-spec rows: index."""
SPECS = []
