"""Op-spec rows: compare."""
SPECS = []
