"""Landing: put validated batches and their quarantine into the warehouse's raw schema."""
