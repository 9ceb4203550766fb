"""iCalendar feeds, downloads, invitations and imports."""
