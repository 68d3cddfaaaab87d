"""The editors' desk: the admin's story, event, key-moment, dossier and audit pages.

What lives here: `admin` (the ModelAdmins and the desk actions; registered by
`StoriesConfig.ready`), `views` (the review queue and the quality report), `dossiers` (the
dossier forms and the story page's dossier and label actions), `quality_text` (the quality
report's figures in words), `pickers` (the story autocomplete and its labels) and `words` (language
names for codes, and the desk's story search, which folds Arabic as the reader's search does).

May import: Django, `stories.models`, `stories.services` (every change goes through a service,
so it is audited and undoable), `stories.reader.params` and the pure packages. Nothing imports
it but the app config.
"""
