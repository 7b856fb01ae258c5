"""Publication: files for program officers, read from the public marts."""
