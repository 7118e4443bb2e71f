"""What leaves the system: emails, calendar files and QR codes."""
