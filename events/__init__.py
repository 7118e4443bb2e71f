"""Registration service for the events of the "Działamy Razem" network."""
