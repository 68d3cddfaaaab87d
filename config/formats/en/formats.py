# One date-and-time format per language, the reader pages' (DATE_FORMAT then TIME_FORMAT):
# the admin's short form ("11/30/2026 9:05 a.m.") would be a second one.
DATETIME_FORMAT = "N j, Y, P"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
