"""Session-state keys: one place, no string literals scattered in pages."""

#: The signed-in core.access.users.Identity (set only by ui.auth after a verified sign-in).
IDENTITY = "identity"
SIGN_IN_FAILURES = "sign_in_failures"
SELECTED_SITE = "selected_site"
SITE_SHOWN_AT = "site_shown_at"
LAST_SCAN = "last_scan"
FLASH = "flash_message"
QUEUE_PAGE = "queue_page"
DECISION_ERROR = "decision_error"
#: SHA-256 of this session's sign-in token (core.access.sessions); the token itself is only in the browser's cookie.
SESSION_HASH = "session_token_hash"
#: A token to put in the browser's cookie on the next run ("" deletes the cookie).
SET_COOKIE = "set_session_cookie"
#: Why the last sign-in ended (shown above the sign-in form).
SESSION_ENDED = "session_ended"
#: Ids of jobs this session saw running whose end no complete page run has shown yet (ui.jobs).
JOBS_TO_SHOW = "jobs_to_show"
#: Ids of those jobs that the page run in progress shows as ended (forgotten once that run completes).
JOBS_BEING_SHOWN = "jobs_being_shown"
