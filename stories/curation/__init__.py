"""What the desk and the pages build on top of clustered stories: pure Python, plain data in and out.

What lives here: `labels` (a story's short name per language), `dossiers` (proposing
long-running files of stories), `fragments` (small stories that look like pieces of a larger
one, for the review queue), `quality` (B-cubed of the engine against editors' corrections) and
`name_figures` (how well-formed names are and how well they agree across languages, on labelled
stories: `manage.py names_eval`).

May import: the standard library, numpy, `articles.text`, and each other. Never Django or
`stories.models` (a test keeps it so). Imported by `stories.services`, the desk and the
evaluation commands.
"""
