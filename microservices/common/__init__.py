"""What every reference service shares: settings, the app scaffold, media files, errors."""
