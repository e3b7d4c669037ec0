"""Session-state keys: one place, no string literals scattered in pages."""

#: The signed-in core.users.Identity (set only by ui.auth after a verified sign-in).
IDENTITY = "identity"
SIGN_IN_FAILURES = "sign_in_failures"
SELECTED_SITE = "selected_site"
SITE_SHOWN_AT = "site_shown_at"
LAST_SCAN = "last_scan"
FLASH = "flash_message"
QUEUE_PAGE = "queue_page"
DECISION_ERROR = "decision_error"
