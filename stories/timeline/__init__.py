"""Key moments and summaries of a story: pure Python, plain data in and out.

What lives here: `articles` (StoryArticle, what every module here reads), `dates` (the days a
text names, in every language the engine takes), `ranker` (the learned date ranker, shipped in
`ranker.json`), `moments` (which days are key moments and the sentence that tells each),
`summary` (extractive summaries), `chain` (who reported an event first and who followed),
`metrics` and `training` (date F1, ROUGE, and the leave-one-topic-out training behind
`manage.py train_timeline`).

May import: the standard library, numpy, `articles.text`, and each other. Never Django or
`stories.models` (a test keeps it so). Imported by `stories.services` (which feeds it rows and
writes its results back) and by the evaluation commands.
"""
