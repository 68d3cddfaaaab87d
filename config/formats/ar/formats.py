# Django's Arabic formats leave DATETIME_FORMAT unset, so the admin fell back to the English
# "N j, Y, P" ("نوفمبر 30, 2026"). A date and time read as on the reader pages: DATE_FORMAT
# then TIME_FORMAT ("30 نوفمبر، 2026 9:05 م"). The short form is the same: one format per language.
DATETIME_FORMAT = "j F، Y g:i A"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
