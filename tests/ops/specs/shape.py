"""Op-spec rows: shape."""
SPECS = []
