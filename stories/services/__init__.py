"""Story workflows, as keyword-only functions over the database.

`clustering` feeds the engine from the database and writes its decisions back; `editing`
holds editors' decisions on stories (merge, split, pin, exclude, rename, key moments) and
`dossiers` theirs on dossiers; both record through `audit`; `history` reads the audit trail
back in words and undoes any entry; `review` reads the review queue; `locks` serialises
clustering and editors.

May import: Django, `stories.models`, `articles`, and the pure packages (`stories.clustering`,
`stories.timeline`, `stories.curation`). Imported by tasks, commands, the reader and the desk.
"""
