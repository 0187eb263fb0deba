"""Pictures of the facts: a classification drawn as a PNG card, for fans who would rather
look at an image than read a wide monospace table. Pure renderers: facts in, bytes out."""
