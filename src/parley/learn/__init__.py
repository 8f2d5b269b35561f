"""Learned extraction: components trained by `parley train` from the project's annotations.

    annotations (offsets into ../shared texts) -> examples (sentence + candidate actors + rule features)
      -> `parley train` (fixed seed, recorded config) -> weights in `parley/learn/weights/`
      -> the extract stage calls the trained models; `parley eval --cv K` scores held-out folds

Rules keep what is exact (quote marks, dates, KB lookups) and their outputs are features here; what
needs judgment (is this sentence an event or a position, of which type, kind and topic, and whose)
is learned."""
