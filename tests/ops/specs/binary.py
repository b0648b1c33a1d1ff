"""Op-spec rows: binary."""
SPECS = []
