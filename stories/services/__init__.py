"""Story workflows, as keyword-only functions.

`editing` holds editors' decisions (merge, split, pin, exclude, rename, key moments, undo);
`clustering` feeds the engine from the database and writes its decisions back.
"""
