"""Session-state keys: one place, no string literals scattered in pages."""

REVIEWER = "reviewer"
SELECTED_SITE = "selected_site"
SITE_SHOWN_AT = "site_shown_at"
LAST_SCAN = "last_scan"
FLASH = "flash_message"
