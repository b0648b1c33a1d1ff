"""Op-spec rows: linalg."""
SPECS = []
