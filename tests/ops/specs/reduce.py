"""Op-spec rows: reduce."""
SPECS = []
