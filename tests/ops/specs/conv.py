"""Op-spec rows: conv primitives (filled in as they land)."""
SPECS: list = []
