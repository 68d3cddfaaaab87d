"""What readers see: the story, dossier and search pages, their feeds, and request parsing.

What lives here: `views` (home, story, embed, search pages), `dossier_views`, `feeds` and
`dossier_feeds` (Atom and JSON Feed), `search` (story search on PostgreSQL and SQLite) and
`params` (page numbers, ids and dates parsed with bounds: 400/404, never 500).

May import: Django, `stories.models`, `stories.services` and the pure packages. Reads only the
denormalised rows the services keep; writes nothing. Imported by `stories.urls` (and the desk
for `params`). Templates are under templates/stories/; template tags stay in
stories/templatetags/, where Django looks for them.
"""
