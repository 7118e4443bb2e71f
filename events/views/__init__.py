"""One blueprint per area of use."""
